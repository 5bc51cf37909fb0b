"""Stickiness, lifecycle and retention from the per-user day bitmasks (of any event, or of
one event name where the answer needs only the days a user did it).

Each reads ``_rollup_masks.patterns`` (one row per distinct pattern of active days, with
its number of users), turns days into the spec's periods (a period is active when any of
its days is) and counts with array operations weighted by users, so the work grows with
users and periods, not with user-days or events. The numbers are the ones the scan's
definitions give (``stickiness.stickiness_result``, ``lifecycle.lifecycle_result``,
``retention.retention_result``'s cells); each answer returns None when the masks would be
too large (``MAX_CELLS``), and the caller reads the other rollups.
"""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from applens.insights._context import Context
from applens.insights._rollup_masks import Patterns, chunks, patterns
from applens.insights.lifecycle import STATUSES
from applens.insights.result import Result
from applens.insights.retention import retention_result
from applens.insights.rollups import event_number
from applens.insights.spec import EventSelector

__all__ = ["answer", "lifecycle", "reads_masks", "retention", "retention_cells", "stickiness"]

_EXACT_F32 = 1 << 24  # float32 sums of 0/1 x users are exact below this many users
_BLOCK = 32  # cohorts per product


def reads_masks(spec: Any, con: Any) -> bool:
    """Whether the masks answer ``spec`` (one the planner sent to the rollups): stickiness
    without criteria, retention returning with its start event and no minimum occurrences
    (any event or one name: the masks keep each name's days too), lifecycle of any event
    whose users.created_at does not override first-seen days."""
    if spec.kind == "retention":
        target = spec.target or EventSelector(event=spec.event)
        return (spec.returning or target) == target and spec.minimum_occurrences <= 1
    if spec.kind == "stickiness":
        return spec.criteria is None
    return spec.kind == "lifecycle" and spec.event is None and not con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'users' AND schema_name = "
        "'main' AND column_name = 'created_at'").fetchall()[0][0]


def _event(spec: Any) -> str | None:
    """The event whose masks answer ``spec`` (None: any event)."""
    if spec.kind == "retention":
        return (spec.target or EventSelector(event=spec.event)).event
    return spec.event


def _periods(ctx: Context, event: str | None, first: int, last: int, *,
             before: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """(patterns x periods ``first .. last - 1`` 0/1 of ``event`` (None: any), users per
    pattern, [whether they did it before period ``first``])."""
    starts = [ctx.range.shift(i).date() for i in range(first, last + 1)]
    con = ctx.backend.con
    got: Patterns | None = patterns(con, starts[0], starts[-1], before=before,
                                    e=event_number(con, event))
    if got is None:
        return None
    edges = np.array([(d - starts[0]).days for d in starts[:-1]], dtype=np.int64)
    days = got.days
    if not days.shape[0]:
        days = np.zeros((0, len(edges)), np.uint8)
    elif len(edges) != days.shape[1]:  # longer periods than a day
        days = np.maximum.reduceat(days, edges, axis=1)
    return days, got.users, got.before


def retention_cells(ctx: Context, spec: Any, c: int, t: int) -> pd.DataFrame | None:
    """``retention_result``'s (_c, _k, _n) cells when ``reads_masks``: users active in
    period ``i`` and ``i + k`` (``i + k < end``), from weighted products of the periods
    matrix with itself, only over the band the cells need."""
    if not reads_masks(spec, ctx.backend.con):
        return None
    end = c if ctx.only_to else c - 1 + t  # type: ignore[attr-defined]
    first = spec.retention_type != "recurring"
    got = _periods(ctx, _event(spec), 0, end, before=first)
    if got is None:
        return None
    active, users, early = got
    if first:
        return _grid(_first_band(active, users, early, c, t, spec.cumulative), end)
    if spec.cumulative:
        return _grid(_furthest_band(active, users, c, t), end)
    return _grid(_band(active, users, c, t), end)


def _furthest_band(active: np.ndarray, users: np.ndarray, c: int, t: int) -> np.ndarray:
    """(c, t) for cumulative recurring retention: column 0 counts cohort ``i`` (the users
    active in period ``i``), column ``k`` those whose last return within ``t`` periods is
    ``i + k`` (``retention_result`` sums them "on or after"). One running "last active
    period" per pattern answers every cohort: ~patterns x periods, not x t."""
    end = active.shape[1]
    out = np.zeros((c, t), np.int64)
    positions = np.arange(end, dtype=np.int32)
    step = chunks(active.shape[0], end).step
    for p0 in range(0, active.shape[0], step):
        on = active[p0:p0 + step].astype(bool)
        weight = users[p0:p0 + step].astype(np.int64)
        last = np.maximum.accumulate(np.where(on, positions, -1), axis=1)
        for i in range(c):
            rows = on[:, i]
            if not rows.any():
                continue
            k = last[rows, min(i + t - 1, end - 1)] - i  # 0: no return after i
            counts = np.bincount(k, weights=weight[rows], minlength=t)
            out[i, 0] += int(weight[rows].sum())
            out[i, 1:] += np.rint(counts[1:t]).astype(np.int64)
    return out


def _first_band(active: np.ndarray, users: np.ndarray, early: np.ndarray | None, c: int,
                t: int, cumulative: bool) -> np.ndarray:
    """(c, t) for first_time/first_ever returning with the start event (with no filters both
    are the user's first day with it ever): cohort ``i`` holds the users first active in
    period ``i`` (never before period 0); column 0 counts them, column ``k`` those active in
    ``i + k``, or, ``cumulative``, those whose last return within ``t`` periods is
    ``i + k``."""
    end = active.shape[1]
    on = active.astype(bool)
    seen = on.any(axis=1)
    first = on.argmax(axis=1)
    keep = seen & (first < c) & ~(early if early is not None else np.zeros_like(seen))
    at, on, weight = first[keep], on[keep], users[keep].astype(np.int64)
    out = np.zeros((c, t), np.int64)
    np.add.at(out, (at, 0), weight)
    rows = np.arange(len(at))
    furthest = np.zeros(len(at), np.int64)
    for k in range(1, t):
        inside = at + k < end
        hit = np.zeros(len(at), bool)
        hit[inside] = on[rows[inside], at[inside] + k]
        if cumulative:
            furthest[hit] = k
        else:
            np.add.at(out, (at[hit], k), weight[hit])
    if cumulative:
        back = furthest > 0
        np.add.at(out, (at[back], furthest[back]), weight[back])
    return out


def _grid(both: np.ndarray, end: int) -> pd.DataFrame:
    """The nonzero cells ``(i, k)`` of ``both`` with ``i + k < end``, in row-major order."""
    i, k = np.indices(both.shape)
    keep = (i + k < end) & (both != 0)
    return pd.DataFrame({"_c": i[keep], "_k": k[keep], "_n": both[keep]}, dtype="int64")


def _unread(*_: Any) -> tuple[Any, Any]:  # unbound: no schema lookup (~10 ms)
    return (ibis.table({"user_id": "int32", "_p": "int64", "_n": "int64"}, name="_ret"),
            ibis.table({"user_id": "int32", "_c": "int64"}, name="_starts"))


def retention(ctx: Context, spec: Any) -> Result | None:
    """``retention_result`` with the grid from ``retention_cells``: no table expression."""
    got = retention_cells(ctx, spec, ctx.n_periods, spec.total_intervals)
    return None if got is None else retention_result(ctx, spec, _unread,
                                                     cells_of=lambda *_: got)


def answer(ctx: Context, spec: Any) -> Result | None:
    """The answer to a spec ``reads_masks`` took, or None when the masks are too large."""
    return {"stickiness": stickiness, "lifecycle": lifecycle,
            "retention": retention}[spec.kind](ctx, spec)


def _band(active: np.ndarray, users: np.ndarray, c: int, t: int) -> np.ndarray:
    """(c, t) users active in periods ``i`` and ``i + k`` (columns past the matrix: 0).

    Cohorts go in blocks of ``_BLOCK``: block ``[i0, i1)`` needs periods ``[i0, i1 - 1 +
    t)`` only, so the work is ~c x (block + t) x patterns multiply-adds, not periods
    squared; patterns go in chunks of ``_rollup_masks.CHUNK`` cells to bound the float
    copy. BLAS runs on one thread: its idle threads spin against DuckDB's on a busy machine
    (0.08 against 0.4-1.5 CPU s for 200k patterns x 90 days)."""
    end = active.shape[1]
    kind = np.float32 if users.sum() < _EXACT_F32 else np.float64
    out = np.zeros((c, t), np.float64)
    with threadpool_limits(1):
        step = chunks(active.shape[0], end).step
        for p0 in range(0, active.shape[0], step):
            a = active[p0:p0 + step].astype(kind)
            wa = a[:, :c] * users[p0:p0 + step, None].astype(kind)
            for i0 in range(0, c, _BLOCK):
                i1 = min(c, i0 + _BLOCK)
                j1 = min(end, i1 - 1 + t)
                prod = wa[:, i0:i1].T @ a[:, i0:j1]  # prod[r, r + k]: cohort i0 + r, k
                for k in range(min(t, j1 - i0)):
                    d = np.diagonal(prod, offset=k)
                    out[i0:i0 + len(d), k] += d
    return np.rint(out).astype(np.int64)


def stickiness(ctx: Context, spec: Any) -> Result | None:
    """``stickiness_result`` without criteria or breakdown: users by number of active
    (grouped) periods."""
    if not reads_masks(spec, ctx.backend.con):
        return None
    n = ctx.n_periods
    got = _periods(ctx, spec.event, 0, n)
    if got is None:
        return None
    active, users, _ = got
    if spec.interval_count > 1 and active.shape[0]:
        active = np.maximum.reduceat(active, np.arange(0, n, spec.interval_count), axis=1)
    k_max = -(-n // spec.interval_count)
    per = np.bincount(active.sum(axis=1, dtype=np.int64), weights=users,
                      minlength=k_max + 1).astype(np.int64)
    data = [int(v) for v in per[1:k_max + 1]]
    if spec.cumulative:
        data = [sum(data[i:]) for i in range(len(data))]
    result = {"buckets": list(range(1, k_max + 1)), "data": data, "count": int(per[1:].sum())}
    return Result("stickiness", result, spec.model_dump(mode="json"))


def lifecycle(ctx: Context, spec: Any) -> Result | None:
    """``lifecycle_result`` with first-seen days as creation (users active before period
    -1 were created before it): column ``j`` is period ``j - 1`` (one period of lookback)."""
    if not reads_masks(spec, ctx.backend.con):
        return None
    n = ctx.n_periods
    got = _periods(ctx, None, -1, n, before=True)
    if got is None:
        return None
    days, users, before = got
    assert before is not None  # asked with before=True
    cols = n + 1
    new, total = np.zeros(cols, np.int64), np.zeros(cols, np.int64)
    returning, dormant = np.zeros(cols, np.int64), np.zeros(cols, np.int64)
    step = chunks(len(users), cols).step
    for p0 in range(0, len(users), step):  # int64 copies of a chunk, not of every row
        a, w = days[p0:p0 + step].astype(bool), users[p0:p0 + step]
        # new: the first active period is the first ever (first-seen day = first active day)
        born = a.any(axis=1) & ~before[p0:p0 + step]
        new += np.bincount(a[born].argmax(axis=1), weights=w[born],
                           minlength=cols).astype(np.int64)
        total += w @ a
        returning[1:] += w @ (a[:, 1:] & a[:, :-1])
        # dormant in period q: active in q - 1 (column q), not in q (column q + 1)
        dormant[1:] -= w @ (a[:, :-1] & ~a[:, 1:])
    counts = {"new": new, "returning": returning,
              "resurrecting": total - new - returning, "dormant": dormant}
    data: dict[str, Any] = {"periods": ctx.range.labels()}
    for s in STATUSES:
        data[s] = [int(v) for v in counts[s][1:n + 1]]
    return Result("lifecycle", data, spec.model_dump(mode="json"))
