"""Trends of counts from rollup rows that grow with days, not with user-days.

At 100M events a monthly ``purchase`` total plus any-event DAU read ~18M rows of
``rollup_user_day(_event)`` and took longer than the scan. Exact answers from smaller rows:

- ``total`` of one event name: ``rollup_day_event``; of any event: ``rollup_day``. Both leave
  person-less events out, as the scan does;
- ``dau`` (and WAU/MAU where they are distinct users per calendar period) of any event or
  one name at week or month interval: users with an active day in the period, from the
  per-user day bitmasks (``_rollup_masks.patterns``, one row per distinct pattern weighted
  by users).

``series`` returns None when a math needs more (distinct users per day, rolling windows,
too many patterns): the caller reads the user-day rollups (and ``totals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from applens.insights._context import Context
from applens.insights._rollup_masks import ANY_EVENT, patterns
from applens.insights._series import SeriesValues, rolling_maths, values_from_frame
from applens.insights.rollups import event_number

__all__ = ["series", "totals"]

_DISTINCT = {"dau", "wau", "mau"}  # distinct users per calendar period when not rolling


def series(ctx: Context, event: str | None, maths: Sequence[str]) -> SeriesValues | None:
    """Each math's values per period for ``event`` (None: any event), or None when these
    rows cannot answer all of ``maths`` exactly."""
    rolling, _ = rolling_maths(maths, ctx.range.interval)
    wanted = set(maths) | ({"total", "dau"} if "per_user_avg" in maths else set())
    wanted.discard("per_user_avg")
    if rolling or not wanted <= {"total"} | _DISTINCT:
        return None
    frame = pd.DataFrame({"_p": np.arange(ctx.n_periods, dtype=np.int64)})
    if "total" in wanted:
        frame["total"] = totals(ctx, event)
    if wanted & _DISTINCT:
        users = _users(ctx, event)
        if users is None:
            return None
        for m in wanted & _DISTINCT:
            frame[m] = users
    return values_from_frame(ctx, frame, [None], maths, False)


def _bounds(ctx: Context) -> tuple[Any, Any]:
    return ctx.range.shift(0).date(), ctx.range.shift(ctx.n_periods).date()


def totals(ctx: Context, event: str | None) -> np.ndarray:
    """Events per period of ``ctx``'s range: rollup_day (any event) or rollup_day_event."""
    lo, hi = _bounds(ctx)
    if event is None:
        t = ctx.backend.table("rollup_day")
        t = t.filter(t.day >= lo, t.day < hi)
    else:
        t = ctx.backend.table("rollup_day_event")
        t = t.filter(t.day >= lo, t.day < hi, t.e == event_number(ctx.backend.con, event))
    t = t.mutate(_p=ctx.local_period(t.day.cast("timestamp")))
    got = t.group_by("_p").agg(_n=t.n.sum()).to_pandas()
    out = np.zeros(ctx.n_periods, dtype=np.int64)
    for p, n in got[["_p", "_n"]].itertuples(index=False):
        if 0 <= int(p) < ctx.n_periods:
            out[int(p)] += int(n)
    return out


def _users(ctx: Context, event: str | None) -> np.ndarray | None:
    """Distinct users per period of ``event`` (None: any) at week or month interval, from
    the masks."""
    if ctx.range.interval not in ("week", "month"):
        return None
    starts = [ctx.range.shift(i).date() for i in range(ctx.n_periods + 1)]
    con = ctx.backend.con
    got = patterns(con, starts[0], starts[-1],
                   e=ANY_EVENT if event is None else event_number(con, event))
    if got is None:
        return None
    if not len(got.users):
        return np.zeros(ctx.n_periods, dtype=np.int64)
    edges = np.array([(d - starts[0]).days for d in starts[:-1]], dtype=np.int64)
    active = np.maximum.reduceat(got.days, edges, axis=1)  # a period: any of its days
    return got.users @ active.astype(np.int64)
