"""Machine rhythm: the one rule for "this user (or address) acts like a program".

People do not act like a metronome. A pause is the time between two consecutive actions of
one user; pauses longer than a visit are left out. A user is *machine-regular* when at least
``REGULAR_SHARE`` of their pauses lie within ``TOLERANCE`` (10%) of their median pause, the
median is at least ``MIN_MEDIAN_S`` (events a few milliseconds apart are one action), there
are at least ``MIN_GAPS`` pauses and ``MIN_EVENTS`` events. Human pauses vary by seconds
(about 7% of exponential pauses fall that close to their median), so the rule needs neither
IPs nor a user-agent list.

The bots model (``models.bots``, rule ``regular_rhythm``) applies ``is_regular`` to the
features ``models.bot_features`` computes with ``pause_stats``; A/B readouts and the report
leave out ``regular_users`` (``experiments.bots.bot_users``), the same rule in SQL. Events that
share a timestamp (the lines of one order, a batched upload) are one action there, so they
make no zero pauses and no metronome.

Bottom layer: it needs only Ibis.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = ["MIN_EVENTS", "MIN_GAPS", "REGULAR_SHARE", "is_regular", "pause_stats",
           "pause_stats_sql", "regular_users"]

REGULAR_SHARE = 0.5
TOLERANCE = 0.1
MIN_MEDIAN_S = 1.0
MIN_GAPS = 3  # with fewer pauses there is no rhythm to judge
MIN_EVENTS = 30  # rate and rhythm mean nothing for a handful of requests
SESSION_GAP_S = 1800.0


def pause_stats(rows: ir.Table, *, key: str, ts: str, max_gap_s: float) -> ir.Table:
    """Per ``key``: ``n_gaps``, ``gap_mean``, ``gap_std``, ``median_gap_s`` and
    ``regular_share`` of the pauses (at most ``max_gap_s``) between consecutive rows."""
    window = ibis.window(group_by=rows[key], order_by=rows[ts])
    gap = rows[ts].epoch_seconds() - rows[ts].lag().over(window).epoch_seconds()
    gaps = rows.select(key, _gap=gap.cast("float64"))
    gaps = gaps.filter(gaps._gap.notnull() & (gaps._gap <= max_gap_s))
    stats = gaps.group_by(key).aggregate(
        n_gaps=gaps._gap.count(), gap_mean=gaps._gap.mean(), gap_std=gaps._gap.std(how="pop"),
        median_gap_s=gaps._gap.approx_median())
    near = gaps.join(stats, key)
    near_median = ((near._gap - near.median_gap_s).abs() <= TOLERANCE * near.median_gap_s) & (
        near.median_gap_s >= MIN_MEDIAN_S)
    regular = near.group_by(key).aggregate(regular_share=near_median.cast("float64").mean())
    return stats.join(regular, key)


def pause_stats_sql(gap: str, *, max_gap_s: float) -> tuple[str, str]:
    """``pause_stats`` for a caller whose own SQL window pass already yields the pauses
    (column ``gap``: seconds since the same key's previous row), so the rows are read once.
    Returns two select lists: aggregates for that ``GROUP BY`` (``n_gaps``, ``median_gap_s``
    and the kept pauses ``_gaps``), and the outer query's ``regular_share`` over them: the
    same values as ``pause_stats`` (the same median and the same share)."""
    kept = f"FILTER (WHERE {gap} IS NOT NULL AND {gap} <= {float(max_gap_s)!r})"
    inner = (f"count({gap}) {kept} AS n_gaps, approx_quantile({gap}, 0.5) {kept} AS "
             f"median_gap_s, list({gap}) {kept} AS _gaps")
    outer = ("list_avg(list_transform(_gaps, lambda g: CAST(abs(g - median_gap_s) <= "
             f"{TOLERANCE!r} * median_gap_s AND median_gap_s >= {MIN_MEDIAN_S!r} AS DOUBLE))) "
             "AS regular_share")
    return inner, outer


def is_regular(regular_share: Any, events: Any, *, share: float = REGULAR_SHARE,
               min_events: int = MIN_EVENTS) -> Any:
    """The rule on columns (pandas or Ibis): a machine's rhythm and enough events to tell.
    ``regular_share`` is missing (never regular) below ``MIN_GAPS`` pauses."""
    return (regular_share >= share) & (events >= min_events)


def regular_users(events: ir.Table, *, start: datetime, end: datetime,
                  max_gap_s: float = SESSION_GAP_S, share: float = REGULAR_SHARE,
                  min_events: int = MIN_EVENTS) -> ir.Table:
    """One column, ``user_id``: users whose actions in ``[start, end)`` are machine-regular."""
    window = events.filter((events.ts >= start) & (events.ts < end))
    actions = window.select("user_id", "ts").distinct()  # one order's lines: one action
    stats = pause_stats(actions, key="user_id", ts="ts", max_gap_s=max_gap_s)
    counts = actions.group_by("user_id").aggregate(events=actions.count())
    users = counts.join(stats, "user_id")
    users = users.filter(users.n_gaps >= MIN_GAPS)
    return users.filter(is_regular(users.regular_share, users.events, share=share,
                                   min_events=min_events)).select("user_id")
