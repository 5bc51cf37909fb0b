"""Retention grid: cohorts by the period of a start event, then who came back k periods later.

``counts[i][0]`` is the size of cohort ``i``; ``counts[i][k]`` counts its members who did the
return event in period ``i + k`` (``cumulative``: in any period ``>= i + k``), with at least
``minimum_occurrences`` return events in that period. Cohort membership:

- ``recurring``: every period in which the actor did the start event;
- ``first_time``: the period of the actor's first matching start event over all history
  (actors whose first one is outside the cohort range are in no cohort);
- ``first_ever``: the actor's very first event with the start event's name, regardless of
  filters; actors whose first one does not match the filters are left out.

With only ``date_to``: ``total_intervals`` cohorts ending with the period holding it, and
returns after that period are not counted. With ``date_from`` too: one cohort per period
and every row has ``total_intervals`` columns. An event-property breakdown takes the value
on the start event, and a return counts only if it carries the same value.

``time_window_mode = "24_hour_windows"``: cohorts stay calendar periods, but returns are
measured from the actor's first start event ``t0`` in the cohort period: column ``k``
counts returns in ``[t0 + k*L, t0 + (k+1)*L)`` with ``L`` = 1 h, 24 h, 7x24 h or 30x24 h
for hour/day/week/month intervals (elapsed time, so a DST day of 23 or 25 hours does not
change a window). Signing up at 23:45 and coming back at 00:01 is then day 0, not day 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from applens.insights import _filters
from applens.insights._context import Context
from applens.insights._time import TimeRange, add
from applens.insights.registry import insight_kind
from applens.insights.result import Result, percentages
from applens.insights.spec import EventSelector, RetentionSpec

__all__ = ["first_cohorts", "retention", "retention_context", "retention_result"]


def retention_context(
    spec: RetentionSpec,
    backend: BaseBackend,
    *,
    timezone: str,
    week_start: Literal["sunday", "monday"],
    now: datetime,
) -> Context:
    """A Context whose periods are the cohorts (date_to-only mode counts back from date_to)."""
    only_to = spec.date_from is None
    resolved = spec.model_copy(update={"date_from": spec.date_to or "-0d"}) if only_to else spec
    ctx = Context(resolved, backend, timezone=timezone, week_start=week_start, now=now,
                  pad=spec.total_intervals + 1)
    if only_to:
        last, r = ctx.range.periods[-1], ctx.range
        periods = tuple(add(last, r.interval, -k) for k in reversed(range(spec.total_intervals)))
        ctx.range = TimeRange(r.interval, r.zone, r.week_start, periods)
    ctx.only_to = only_to  # type: ignore[attr-defined]
    return ctx


def _starts(ctx: Context, spec: RetentionSpec, target: EventSelector) -> ir.Table:
    """(user_id, _c, [_bd]) cohort memberships."""
    c = ctx.n_periods
    if spec.retention_type == "recurring":
        s = ctx.select(event=target.event, properties=target.properties, first=0, last=c)
        cols = ["user_id", "_p", "_bd"] if "_bd" in s.columns else ["user_id", "_p"]
        if _windowed(spec):
            return s.group_by(cols).agg(_t0=s.ts.min()).rename(_c="_p")
        return s.select(cols).distinct().rename(_c="_p")
    matching = ctx.select(event=target.event, properties=target.properties, first=None)
    if spec.retention_type == "first_time":
        pool = matching
    else:  # first_ever: the first event by name, whatever its properties
        pool = ctx.events.filter(ctx.events.user_id.notnull())
        if target.event is not None:
            pool = pool.filter(pool.event == target.event)
    first = pool.group_by("user_id").agg(_t0=pool.ts.min())
    hit = matching.join(first, (matching.user_id == first.user_id) & (matching.ts == first._t0))
    hit = hit.filter((hit._p >= 0) & (hit._p < c))
    t0 = {"_t0": hit.ts.min()} if _windowed(spec) else {}
    if "_bd" in hit.columns:  # ties at the same instant: one value per actor
        return hit.group_by(["user_id", "_p"]).agg(_bd=hit._bd.min(), **t0).rename(_c="_p")
    if t0:
        return hit.group_by(["user_id", "_p"]).agg(**t0).rename(_c="_p")
    return hit.select("user_id", "_p").distinct().rename(_c="_p")


def _windowed(spec: RetentionSpec) -> bool:
    return spec.time_window_mode == "24_hour_windows"


_WINDOW_SECONDS = {"hour": 3600, "day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}


def _secs(ts: ir.TimestampValue) -> ir.IntegerValue:
    # Truncate first: engines round fractional seconds differently.
    return ts.truncate("s").epoch_seconds().cast("int64")


def _returns_24h(ctx: Context, spec: RetentionSpec, starts: ir.Table, back: EventSelector,
                 end: int, has_bd: bool, folded: list[str] | None) -> ir.Table:
    """(user_id, _c, [_bd], _k) for returns k windows of elapsed time after each ``_t0``."""
    t, width = spec.total_intervals, _WINDOW_SECONDS[ctx.range.interval]
    ret = ctx.select(event=back.event, properties=back.properties, first=0,
                     last=end if ctx.only_to else end + 1)  # type: ignore[attr-defined]
    bd = {} if not has_bd else {
        "_rb": ret._bd if folded is None else _filters.fold_other(ret._bd, folded)}
    ret = ret.select(_u=ret.user_id, _ts=ret.ts, **bd)
    k = (_secs(ret._ts) - _secs(starts._t0)) // width
    on = [starts.user_id == ret._u, ret._ts >= starts._t0,
          ret._ts < starts._t0 + ibis.interval(seconds=width * t)]
    if has_bd:
        on.append(starts._bd == ret._rb)
    keys = ["user_id", "_c", *(["_bd"] if has_bd else [])]
    joined = starts.join(ret, on).select(*keys, _k=k)
    per = joined.group_by([*keys, "_k"]).agg(_n=joined.count())
    per = per.filter((per._k >= 1) & (per._n >= spec.minimum_occurrences))
    return per.drop("_n")


def _scanned(ctx: Context, spec: RetentionSpec, target: EventSelector, back: EventSelector,
             end: int) -> tuple[ir.Table, ir.Table]:
    """From the events: returns ``(user_id, _p, [_bd], _n)`` (return events per actor and
    period ``[0, end)``) and cohort memberships ``(user_id, _c, [_bd], [_t0])``."""
    ret = ctx.select(event=back.event, properties=back.properties, first=0, last=end)
    keys = ["user_id", "_p", "_bd"] if "_bd" in ret.columns else ["user_id", "_p"]
    ret = ret.group_by(keys).agg(_n=ret.count())
    if spec.retention_type == "recurring" and back == target and not _windowed(spec):
        # One scan: cohorts are the same active (user, period) rows, before min occurrences.
        return ret, ret.filter(ret._p < ctx.n_periods).select(keys).rename(_c="_p")
    return ret, _starts(ctx, spec, target)


Tables = Callable[[Context, RetentionSpec, EventSelector, EventSelector, int],
                  tuple[ir.Table, ir.Table]]


@insight_kind("retention", spec=RetentionSpec, default_from=None, context=retention_context,
              order=40)
def retention(ctx: Context, spec: RetentionSpec) -> Result:
    return retention_result(ctx, spec, _scanned)


# (starts, returns, cohorts, total_intervals, cumulative) -> the (_c, _k, _n) frame (_k = 0:
# sizes; cumulative: _k = the furthest period reached), or None when it cannot count it.
Cells = Callable[[ir.Table, ir.Table, int, int, bool], Any]


def retention_result(ctx: Context, spec: RetentionSpec, tables: Tables, *,
                     cells_of: Cells | None = None) -> Result:
    """The grid from the returns and cohorts that ``tables`` gives (``_scanned``' signature;
    the rollup path passes its own). ``cells_of``: counts a grid without breakdown or
    24-hour windows its own way (the rollup path's per-user bitmasks)."""
    c, t = ctx.n_periods, spec.total_intervals
    target = spec.target or EventSelector(event=spec.event)
    back = spec.returning or target
    end = c if ctx.only_to else c - 1 + t  # type: ignore[attr-defined]
    ret, starts = tables(ctx, spec, target, back, end)
    ret = ret.filter(ret._n >= spec.minimum_occurrences).drop("_n")
    has_bd = "_bd" in starts.columns
    labels: list[str] = []
    folded: list[str] | None = None
    if has_bd:
        top, more = _filters.top_values(starts, "_bd", None, spec.breakdown_limit)
        if more:
            folded = list(top)
            starts = starts.mutate(_bd=_filters.fold_other(starts._bd, top))
            ret = ret.mutate(_bd=_filters.fold_other(ret._bd, top))
            top = [*top, _filters.OTHER_LABEL]
        labels = top

    plain = not (has_bd or _windowed(spec))
    both = cells_of(starts, ret, c, t, spec.cumulative) if cells_of and plain else None
    if both is not None:
        joined = None
    elif _windowed(spec):
        joined = _returns_24h(ctx, spec, starts, back, end, has_bd, folded)
        starts = starts.drop("_t0")
    else:
        on = [starts.user_id == ret.user_id, ret._p > starts._c, ret._p < starts._c + t]
        if has_bd:
            on.append(starts._bd == ret._bd)
        joined = starts.join(ret, on).select(
            "user_id", "_c", *(["_bd"] if has_bd else []), _k=ret._p - starts._c
        )
    if joined is not None:
        both = _cells(starts, joined, has_bd, folded is None, spec.cumulative)
    sizes, cols = both[both["_k"] == 0], both[both["_k"] != 0]

    seen_upto = _last_observable(ctx, end)

    def grid(label: str | None) -> list[list[int | None]]:
        def pick(frame: Any) -> Any:
            return frame if label is None else frame[frame["_bd"] == label]

        got, seen = pick(sizes), pick(cols)
        size = {int(i): int(n) for i, n in zip(got["_c"], got["_n"], strict=True)}
        cell = {
            (int(i), int(k)): int(n)
            for i, k, n in zip(seen["_c"], seen["_k"], seen["_n"], strict=True)
        }
        rows = []
        for i in range(c):
            row = [size.get(i, 0)] + [cell.get((i, k), 0) for k in range(1, t)]
            if spec.cumulative:  # "on or after": reaching k means every column up to k
                for k in range(t - 2, 0, -1):
                    row[k] += row[k + 1]
            # periods after the data ends are not yet observable: null, not "nobody"
            rows.append([n if k == 0 or i + k <= seen_upto else None for k, n in enumerate(row)])
        return rows

    data: dict[str, Any] = {
        "cohort_starts": [p.replace(tzinfo=ctx.zone).isoformat() for p in ctx.range.periods]
    }
    if has_bd:
        data["by_breakdown"] = {label: grid(label) for label in labels}
        data["percentages_by_breakdown"] = {
            label: percentages(rows) for label, rows in data["by_breakdown"].items()}
    else:
        data["counts"] = grid(None)
        data["percentages"] = percentages(data["counts"])
    return Result("retention", data, spec.model_dump(mode="json"))


def _cells(starts: ir.Table, joined: ir.Table, has_bd: bool, unique: bool,
           cumulative: bool) -> Any:
    """The (_c, [_bd], _k, _n) frame of cohort sizes (``_k`` = 0) and returns."""
    group = ["_c", "_bd"] if has_bd else ["_c"]
    # Rows are unique per (user, cohort, [value], k) unless "Other" merged values.
    if cumulative:
        reach = joined.group_by(["user_id", *group]).agg(_k=joined._k.max())
        cells = reach.group_by([*group, "_k"]).agg(_n=reach.count())
    else:
        n = joined.count() if unique else joined.user_id.nunique()
        cells = joined.group_by([*group, "_k"]).agg(_n=n)
    size = starts.count() if unique else starts.user_id.nunique()
    sized = starts.group_by(group).agg(_n=size).mutate(_k=ibis.literal(0, "int64"))
    cells = cells.mutate(_k=cells._k.cast("int64"), _n=cells._n.cast("int64"))
    sized = sized.select(*cells.columns).mutate(_n=sized._n.cast("int64"))
    return ibis.union(cells, sized, distinct=False).to_pandas()  # one query, one scan


def _last_observable(ctx: Context, end: int) -> int:
    """Index of the last period that holds data (the one with the newest event, or the last
    one the query counts); later periods cannot be observed yet."""
    last = end - 1
    if ctx.span is not None:
        while last >= 0 and ctx.utc(last) > ctx.span[1]:
            last -= 1
    return last


def first_cohorts(result: Result, n: int) -> Result:
    """``result`` with only its first ``n`` cohorts (``--periods`` limits a ``--from`` range)."""
    data = dict(result.data)
    if len(data["cohort_starts"]) <= n:
        return result
    data["cohort_starts"] = data["cohort_starts"][:n]
    for key in ("counts", "percentages"):
        if key in data:
            data[key] = data[key][:n]
    for key in ("by_breakdown", "percentages_by_breakdown"):
        if key in data:
            data[key] = {k: rows[:n] for k, rows in data[key].items()}
    return replace(result, data=data)

