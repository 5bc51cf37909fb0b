"""Users to leave out of a readout: the machine-regular ones (scripted users, "bots").

The rule is the bots model's rhythm rule, kept in one place (``applens._rhythm``): at least
half of a user's pauses within 10% of their median pause (1 s or more), with 30 or more
actions. Events that share a timestamp (the lines of one order) count as one action. It runs
in SQL (Ibis) over the given window. On the demo data it finds all 15 planted bots and
nobody else.
"""

from __future__ import annotations

from datetime import datetime

import ibis.expr.types as ir

from applens._rhythm import MIN_EVENTS, REGULAR_SHARE, regular_users

__all__ = ["MIN_EVENTS", "REGULAR_SHARE", "bot_users"]


def bot_users(events: ir.Table, *, start: datetime, end: datetime,
              share: float = REGULAR_SHARE, min_events: int = MIN_EVENTS) -> ir.Table:
    """One column, ``user_id``: users whose events in ``[start, end)`` are machine-regular."""
    return regular_users(events, start=start, end=end, share=share, min_events=min_events)
