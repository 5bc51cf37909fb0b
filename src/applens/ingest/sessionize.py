"""Derive session ids from an inactivity gap when a source has none."""

from __future__ import annotations

__all__ = ["with_sessions"]


def with_sessions(select_sql: str, gap_minutes: int) -> str:
    """Wrap a SELECT of events so it gains ``session_id``: ``<user_id>:<session start, UTC>``.

    A session ends after ``gap_minutes`` without events of the same user. Ids are stable for
    the same rows, so re-deriving them gives the same result.
    """
    starts = (
        f"SELECT *, CASE WHEN lag(ts) OVER w IS NULL "
        f"OR ts - lag(ts) OVER w > INTERVAL {int(gap_minutes)} MINUTE THEN ts END AS _start "
        f"FROM ({select_sql}) WINDOW w AS (PARTITION BY user_id ORDER BY ts, _row)"
    )
    return (
        "SELECT * EXCLUDE (_start), user_id || ':' || strftime(max(_start) OVER "
        "(PARTITION BY user_id ORDER BY ts, _row ROWS UNBOUNDED PRECEDING), '%Y%m%dT%H%M%S') "
        f"AS session_id FROM ({starts})"
    )
