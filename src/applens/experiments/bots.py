"""A simple, documented rule for scripted users ("bots") to leave out of a readout.

People do not act like a metronome. A user is flagged when, among the gaps between their
consecutive events *of the same name* that are shorter than ``max_gap_s`` seconds, there are
at least ``min_gaps`` and those gaps have a standard deviation below ``max_std_s`` seconds:
hundreds of views exactly 3 s apart (± a few ms). Human gaps vary by seconds, so the rule
needs neither IPs nor a user-agent list. It runs in SQL (Ibis) over the given window.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

__all__ = ["MAX_GAP_S", "MAX_STD_S", "MIN_GAPS", "bot_users"]

MAX_GAP_S = 60.0
MIN_GAPS = 50
MAX_STD_S = 0.1


def bot_users(
    events: ir.Table, *, start: datetime, end: datetime, max_gap_s: float = MAX_GAP_S,
    min_gaps: int = MIN_GAPS, max_std_s: float = MAX_STD_S,
) -> ir.Table:
    """One column, ``user_id``: users whose events in ``[start, end)`` are machine-regular."""
    window = events.filter((events.ts >= start) & (events.ts < end)).select("user_id", "event", "ts")
    order = ibis.window(group_by=[window.user_id, window.event], order_by=window.ts)
    gaps = window.mutate(
        gap=window.ts.delta(window.ts.lag().over(order), unit="millisecond").cast("float64") / 1000
    )
    short = gaps.filter(gaps.gap.notnull() & (gaps.gap < max_gap_s))
    per_user = short.group_by("user_id").aggregate(n=short.gap.count(), sd=short.gap.std())
    return per_user.filter((per_user.n >= min_gaps) & (per_user.sd < max_std_s)).select("user_id")
