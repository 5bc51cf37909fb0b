"""One event series aggregated per period: the engine behind active users and trends.

``dau`` is distinct users per period whatever the interval. ``wau``/``mau`` are rolling
7/30-day windows ending with each period when the window is longer than the interval
(PostHog: day D counts users active in [D-6, D+1) local), else distinct users per
calendar period (WAU at week interval, MAU at month interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from applens.errors import QueryError
from applens.insights import _formula
from applens.insights._context import Context
from applens.insights._time import to_utc
from applens.insights.spec import PropertyFilter

__all__ = ["WINDOW_DAYS", "SeriesValues", "compute_series", "covered_values",
           "rolling_from_slots", "rolling_maths", "values_from_frame"]

_EPOCH = datetime(1970, 1, 1)

# bd label (None without breakdown) -> math -> one value per period
SeriesValues = dict[str | None, dict[str, list[Any]]]
WINDOW_DAYS = {"wau": 7, "mau": 30}
_LONGER_THAN = {"wau": ("hour", "day"), "mau": ("hour", "day", "week")}


def _rolling(math: str, interval: str) -> bool:
    return math in WINDOW_DAYS and interval in _LONGER_THAN[math]


def rolling_maths(maths: Sequence[str], interval: str) -> tuple[list[str], int]:
    """The maths that are rolling windows at ``interval``, and the longest window (days)."""
    rolling = [m for m in maths if _rolling(m, interval)]
    return rolling, max((WINDOW_DAYS[m] for m in rolling), default=0)


def compute_series(
    ctx: Context,
    *,
    event: str | None,
    properties: Sequence[PropertyFilter],
    maths: Sequence[str],
    math_property: str | None = None,
    ranking: tuple[list[str], bool] | None = None,
) -> tuple[list[str | None], SeriesValues, tuple[list[str], bool] | None]:
    """Breakdown labels in rank order, each math's values per period per label, and the
    ranking used (pass it back for a second series so both share the same labels)."""
    n = ctx.n_periods
    keep = []
    if "unique_sessions" in maths:
        if "session_id" not in ctx.events.columns:
            raise QueryError("math 'unique_sessions' needs a session_id column in events.")
        keep.append("session_id")
    if math_property is not None:  # a property or an expression (insights._formula)
        keep += _formula.property_columns(ctx.events, math_property,
                                          "Spec field 'math_property'")
    rolling, lookback = rolling_maths(maths, ctx.range.interval)
    since = to_utc(ctx.range.shift(1) - timedelta(days=lookback), ctx.zone) if lookback else 0
    base = ctx.select(event=event, properties=properties, first=since, last=n, keep=keep)
    in_range = base.filter(base._p >= 0) if lookback else base
    has_bd = "_bd" in base.columns
    labels: list[str | None] = [None]
    if has_bd:
        from applens.insights import _filters

        if ranking is None:
            limit = ctx.spec.breakdown_limit  # type: ignore[attr-defined]
            ranking = _filters.top_values(in_range, "_bd", None, limit)
        top, more = list(ranking[0]), ranking[1]
        if more:
            base = base.mutate(_bd=_filters.fold_other(base._bd, top))
            in_range = base.filter(base._p >= 0) if lookback else base
            top = [*top, _filters.OTHER_LABEL]
        labels = list(top)
    keys = ["_p", "_bd"] if has_bd else ["_p"]

    aggs: dict[str, ir.Scalar] = {"total": in_range.count(), "dau": in_range.user_id.nunique()}
    if "unique_sessions" in maths:
        aggs["unique_sessions"] = in_range.session_id.nunique()
    if math_property is not None:
        prop = _formula.property_value(in_range, math_property)
        aggs.update(sum=prop.sum(), avg=prop.mean(), min=prop.min(), max=prop.max(),
                    share=(prop != 0).cast("float64").mean())
    for m in maths:
        if m in WINDOW_DAYS and not _rolling(m, ctx.range.interval):
            aggs[m] = in_range.user_id.nunique()
    frame = in_range.group_by(keys).agg(**aggs).to_pandas()

    values = values_from_frame(ctx, frame, labels, maths, has_bd)
    if rolling:
        _rolling_values(ctx, base, rolling, labels, has_bd, values)
    return labels, values, ranking


def values_from_frame(ctx: Context, frame: Any, labels: list[str | None], maths: Sequence[str],
                      has_bd: bool) -> SeriesValues:
    """Each non-rolling math's value per period from the per-period aggregates ``frame``."""
    n = ctx.n_periods
    values: SeriesValues = {label: {} for label in labels}
    empty_zero = {"total", "dau", "wau", "mau", "unique_sessions", "sum"}
    for label in labels:
        rows = frame if not has_bd else frame[frame["_bd"] == label]
        by_p = {int(r["_p"]): r for _, r in rows.iterrows()}
        for m in maths:
            if _rolling(m, ctx.range.interval):
                continue
            out: list[Any] = []
            for i in range(n):
                row = by_p.get(i)
                if m == "per_user_avg":
                    out.append(float(row["total"] / row["dau"]) if row is not None else 0.0)
                elif row is None or row[m] != row[m]:  # missing period or NaN
                    out.append(0 if m in empty_zero else None)
                else:
                    v = row[m]
                    out.append(int(v) if m in empty_zero and m != "sum" else float(v))
            values[label][m] = out
    return values


def _rolling_values(
    ctx: Context,
    base: ir.Table,
    maths: list[str],
    labels: list[str | None],
    has_bd: bool,
    values: SeriesValues,
) -> None:
    """Distinct users over the ``L`` days of local wall clock ending with each period.

    No window join and no distinct count: with an actor's active slots (local days, or
    hours at hour interval) s_1 < s_2 < …, the window ends X whose window holds one of them
    are the disjoint runs [s_j, min(s_j + W, s_{j+1})). The engine counts runs by (start,
    stop) — at most slots x W rows — and a running sum here gives the actors per end slot.
    """
    hourly = ctx.range.interval == "hour"
    grain, unit = ("h", 3600) if hourly else ("D", 86_400)
    origin = int((ctx.range.start - _EPOCH).total_seconds())
    slot = (ctx.local(base.ts).truncate(grain).epoch_seconds().cast("int64") - origin) // unit
    actor = ["user_id", "_bd"] if has_bd else ["user_id"]
    active = base.select(*actor, _s=slot).distinct()
    rolling_from_slots(ctx, active, maths, labels, values)


def rolling_from_slots(
    ctx: Context,
    active: ir.Table,
    maths: list[str],
    labels: list[str | None],
    values: SeriesValues,
) -> None:
    """The rolling counts from distinct active slots ``(user_id, [_bd], _s)`` (``_s``: local
    day, or hour at hour interval, counted from the range start); see ``_rolling_values``."""
    hourly = ctx.range.interval == "hour"
    actor = ["user_id", "_bd"] if "_bd" in active.columns else ["user_id"]
    nxt = active._s.lead().over(ibis.window(group_by=actor, order_by="_s"))
    # One query for every window: runs stop at min(s + W_max, next); a narrower window W
    # stops at min(s + W, that), the same as min(s + W, next).
    cap = max(WINDOW_DAYS[m] for m in maths) * (24 if hourly else 1)
    stop = ibis.least(active._s + cap, nxt.fill_null(active._s + cap))
    runs = active.select(*actor[1:], _a=active._s, _z=stop)
    frame = runs.group_by([*actor[1:], "_a", "_z"]).agg(_n=runs.count()).to_pandas()
    covered_values(ctx, frame, maths, labels, values)


def covered_values(ctx: Context, frame: Any, maths: list[str], labels: list[str | None],
                   values: SeriesValues) -> None:
    """Actors per window end from the runs ``frame`` (``[_bd], _a, _z, _n``: ``_n`` actors
    cover the window ends ``[_a, _z)``, ``_z`` capped at ``_a`` + the widest window)."""
    hourly = ctx.range.interval == "hour"
    unit = 3600 if hourly else 86_400
    has_bd = "_bd" in frame.columns
    ends = [ctx.range.shift(i + 1) - ctx.range.start for i in range(ctx.n_periods)]
    last = [int(e.total_seconds()) // unit - 1 for e in ends]  # last slot in each window
    lo = min(int(frame["_a"].min()) if len(frame) else 0, 0)
    hi = max(last) + 2
    for m in maths:
        width = WINDOW_DAYS[m] * (24 if hourly else 1)
        for label in labels:
            rows = frame if not has_bd else frame[frame["_bd"] == label]
            delta = [0] * (hi - lo + 1)
            for a, z, n in rows[["_a", "_z", "_n"]].itertuples(index=False):
                if int(a) <= hi:
                    delta[int(a) - lo] += int(n)
                    delta[min(int(a) + width, int(z), hi) - lo] -= int(n)
            running, covered = 0, []
            for d in delta:
                running += d
                covered.append(running)
            values[label][m] = [covered[x - lo] for x in last]
