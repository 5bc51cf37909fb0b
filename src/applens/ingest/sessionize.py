"""Derive session ids from an inactivity gap when a source has none."""

from __future__ import annotations

from applens._sql import ident

__all__ = ["with_sessions"]


def with_sessions(select_sql: str, gap_minutes: int, existing: str | None = None, *,
                  apart: str | None = None) -> str:
    """Wrap a SELECT of events so it gains ``session_id``: ``<user_id>:<session start, UTC>``.

    A session ends after ``gap_minutes`` without events of the same user. With ``existing``
    (the warehouse table the rows join), a user's first new event continues that user's last
    stored session when it comes at most ``gap_minutes`` after the last stored event, so a
    session split over two files stays one. Ids are stable for the same rows, so deriving
    them again gives the same result. ``apart`` names a column whose values are sessionized
    apart (the load's "row passed its checks", so failed rows never split a good session).
    """
    by = f"{ident(apart)}, user_id" if apart else "user_id"
    gap = f"INTERVAL {int(gap_minutes)} MINUTE"
    previous = (
        f"SELECT user_id AS _p_user, max(ts) AS _p_ts, arg_max(session_id, ts) AS _p_session "
        f"FROM {ident(existing)} GROUP BY user_id" if existing else
        "SELECT NULL::VARCHAR AS _p_user, NULL::TIMESTAMP AS _p_ts, NULL::VARCHAR AS _p_session "
        "WHERE false"
    )
    continues = f"(_p_ts IS NOT NULL AND ts >= _p_ts AND ts - _p_ts <= {gap})"
    starts = (
        f"SELECT *, CASE WHEN lag(ts) OVER w IS NULL THEN "
        f"CASE WHEN {continues} THEN NULL ELSE ts END "
        f"WHEN ts - lag(ts) OVER w > {gap} THEN ts END AS _start "
        f"FROM ({select_sql}) LEFT JOIN ({previous}) ON user_id = _p_user "
        f"WINDOW w AS (PARTITION BY {by} ORDER BY ts, _row)"
    )
    return (
        "SELECT * EXCLUDE (_start, _p_user, _p_ts, _p_session), coalesce(user_id || ':' || "
        f"strftime(max(_start) OVER (PARTITION BY {by} ORDER BY ts, _row ROWS UNBOUNDED "
        f"PRECEDING), '%Y%m%dT%H%M%S'), _p_session) AS session_id FROM ({starts})"
    )
