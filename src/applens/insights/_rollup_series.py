"""Trends of counts from rollup rows that grow with days, not with user-days.

At 100M events a monthly ``purchase`` total plus any-event DAU read ~18M rows of
``rollup_user_day(_event)`` and took longer than the scan. Exact answers from smaller rows:

- ``total`` of one event name: ``rollup_day_event``; of any event: ``rollup_day``. Both leave
  person-less events out, as the scan does;
- ``dau``, WAU and MAU of any event or one name: users with an active day in the period,
  or in the 7 or 30 days ending with it where the window is longer than the period, from
  the per-user day bitmasks (``_rollup_masks.patterns``, one row per distinct pattern
  weighted by users; any event at day interval reads ``rollup_runs`` before this).

``series`` returns None when a math needs more (or there are too many patterns): the caller
reads the user-day rollups (and ``totals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from applens.insights._context import Context
from applens.insights._rollup_masks import chunks, patterns
from applens.insights._series import (
    WINDOW_DAYS,
    SeriesValues,
    rolling_maths,
    values_from_frame,
)
from applens.insights.rollups import event_number

__all__ = ["series", "totals"]

_DISTINCT = {"dau", "wau", "mau"}  # distinct users per calendar period when not rolling


def series(ctx: Context, event: str | None, maths: Sequence[str]) -> SeriesValues | None:
    """Each math's values per period for ``event`` (None: any event), or None when these
    rows cannot answer all of ``maths`` exactly."""
    rolling, lookback = rolling_maths(maths, ctx.range.interval)
    wanted = set(maths) | ({"total", "dau"} if "per_user_avg" in maths else set())
    wanted.discard("per_user_avg")
    if not wanted <= {"total"} | _DISTINCT:
        return None
    frame = pd.DataFrame({"_p": np.arange(ctx.n_periods, dtype=np.int64)})
    if "total" in wanted:
        frame["total"] = totals(ctx, event)
    users: dict[str, np.ndarray] = {}
    if wanted & _DISTINCT:
        got = _users(ctx, event, rolling, lookback)
        if got is None:
            return None
        users = got
        for m in wanted & _DISTINCT:
            frame[m] = users.get(m, users["dau"])
    values = values_from_frame(ctx, frame, [None], maths, False)
    for m in rolling:
        values[None][m] = [int(v) for v in users[m]]
    return values


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


def _users(ctx: Context, event: str | None, rolling: Sequence[str],
           lookback: int) -> dict[str, np.ndarray] | None:
    """From the masks of ``event`` (None: any): distinct users per period (``dau``, and the
    calendar WAU/MAU), and per ``rolling`` math the users active in its window of days
    ending with each period (any event at day interval reads rollup_runs instead)."""
    n = ctx.n_periods
    starts = [ctx.range.shift(i).date() for i in range(n + 1)]
    back = max(lookback - 1, 0)  # days before the range the widest window reaches
    con = ctx.backend.con
    got = patterns(con, starts[0] - timedelta(days=back), starts[-1],
                   e=event_number(con, event))
    if got is None:
        return None
    out = {m: np.zeros(n, dtype=np.int64) for m in ("dau", *rolling)}
    if not len(got.users):
        return out
    # column of each day of the range in the masks, and of each period's first day
    edges = np.array([(d - starts[0]).days for d in starts], dtype=np.int64) + back
    width = got.days.shape[1]
    step = chunks(len(got.users), width).step
    for r in range(0, len(got.users), step):  # a chunk of patterns at a time
        rows, cols = np.nonzero(got.days[r:r + step])  # by pattern, then day
        weight = got.users[r:r + step][rows].astype(np.float64)
        period = np.searchsorted(edges, cols, side="right") - 1  # -1: before the range
        first = np.ones(len(rows), bool)  # each pattern's first active day in a period
        first[1:] = (rows[1:] != rows[:-1]) | (period[1:] != period[:-1])
        keep = first & (period >= 0) & (period < n)
        out["dau"] += np.rint(np.bincount(period[keep], weights=weight[keep],
                                          minlength=n)[:n]).astype(np.int64)
        if rolling:
            # a pattern active on days s_1 < s_2 < ... covers the window ends [s_j,
            # min(s_j + W, s_j+1)): disjoint runs, summed as +w / -w steps
            size = width + max(WINDOW_DAYS[m] for m in rolling) + 1
            following = np.full(len(cols), size - 1)
            same = rows[1:] == rows[:-1]
            following[:-1][same] = cols[1:][same]
            for m in rolling:
                stop = np.minimum(cols + WINDOW_DAYS[m], following)
                covered = np.cumsum(np.bincount(cols, weights=weight, minlength=size) -
                                    np.bincount(stop, weights=weight, minlength=size))
                out[m] += np.rint(covered[edges[1:] - 1]).astype(np.int64)  # last days
    return out
