"""The planner: answer a spec from the rollups when they hold the exact answer, else scan.

The rollups (``insights.rollups``) count events per user and local day, and per day and
event name, and keep on which days each user did each event name (day bitmasks, read as
rows by ``_rollup_mask_rows``).
A spec they answer exactly: calendar periods of whole local days (day, week or month
interval) in the rollups' timezone, no ``where``, no property filters and no breakdown, and
a kind whose numbers depend only on which users were active on which days and how many
events they did: active users (total, DAU, WAU/MAU, events per user), stickiness,
lifecycle, trends of those maths and calendar retention (with no filters a start event's
first occurrence is its name's first day, so first_time and first_ever read it too). One
event name's events per user and period (stickiness criteria, retention minimum
occurrences) are not kept: those scan.
Stickiness, any-event lifecycle and retention returning with its start event (recurring,
and first_time/first_ever, whose cohort is then each user's first day with it) read each
user's active days as bitmasks (``_mask_answers``), of any event or of one name; other
week-interval questions one row per user and week (``rollup_user_week``). Everything else
scans the events. Other recurring grids count one cohort and one return bitmask per user,
grouped by distinct pairs (``_rollup_cells``; up to 128 periods, past that they join like
the scan), other first_time/first_ever ones join one start per user to its returns. The
answer is the same either way (the runners share their code after the first aggregation;
the tests run every spec down both paths).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import ibis
import ibis.expr.types as ir

from applens.insights import _mask_answers as masks
from applens.insights._context import Context
from applens.insights._rollup_cells import bitmask_cells
from applens.insights._rollup_mask_rows import event_days, first_days
from applens.insights._rollup_series import series as day_series
from applens.insights._rollup_series import totals
from applens.insights._series import (
    SeriesValues,
    covered_values,
    rolling_from_slots,
    rolling_maths,
    values_from_frame,
)
from applens.insights.lifecycle import lifecycle_result
from applens.insights.result import Result
from applens.insights.retention import retention_result
from applens.insights.rollups import event_number, read_meta
from applens.insights.spec import EventSelector
from applens.insights.stickiness import stickiness_result
from applens.insights.trends import trends_result

__all__ = ["Plan", "plan"]

_EPOCH = datetime(1970, 1, 1)
_MATHS = {"total", "dau", "wau", "mau", "per_user_avg"}
Answer = Callable[[Context, Any], Result]


@dataclass(frozen=True)
class Plan:
    """Which path answers a spec and why; ``answer`` is set when the rollups can."""

    path: str  # "rollup" or "scan"
    why: str
    answer: Answer | None = None


def _scan(why: str) -> Plan:
    return Plan("scan", why)


def plan(spec: Any, backend: Any, *, timezone: str) -> Plan:
    """The path for ``spec`` over ``backend`` (``timezone``: the workspace's)."""
    kind = spec.kind
    if kind not in _ANSWERS:
        return _scan(f"{kind} needs the order of events within a day, which the rollups do "
                     "not keep" if kind == "funnel" else
                     f"{kind} is answered from the events (no rollup for it yet)")
    if getattr(backend, "name", None) != "duckdb" or not hasattr(backend, "con"):
        return _scan("rollups live in the DuckDB warehouse; this engine scans")
    meta = read_meta(backend.con)
    if meta is None:
        return _scan("the warehouse has no rollups (run 'applens rollups rebuild')")
    stale = _stale(backend.con, meta)
    if stale:
        return _scan(stale)
    zone = spec.timezone or timezone
    if zone != meta.timezone:
        return _scan(f"the rollups count {meta.timezone} days and the spec asks for {zone}")
    if spec.interval == "hour":
        return _scan("hour interval: the rollups count whole days")
    if spec.where:
        return _scan("'where' filters single events; the rollups count them by day")
    if spec.properties:
        return _scan("property filters select single events; the rollups count them by day")
    if spec.breakdown is not None:
        # Exact would need a row per (user, day, event, value) for each declared property:
        # at 10M events ~8M rows per property, over the storage budget on its own
        # (rollup_slices counts events per value, not users).
        return _scan("a breakdown ranks its values by distinct users over the range; the "
                     "rollups count events per day and value, not users per value")
    bad = _unsupported_maths(spec)
    if bad:
        return _scan(bad)
    why = (f"the rollups (events per user and {{}}) answer {kind} exactly ({spec.interval} "
           f"interval, {meta.timezone} days, no filter or breakdown)")
    if not masks.reads_masks(spec, backend.con):
        rows = "week (or day)" if spec.interval == "week" else "day"
        if kind == "trends":  # _rollup_series answers from per-day rows where it can
            rows += "; totals and any event's weekly or monthly users from per-day rows"
        return Plan("rollup", why.format(rows), _ANSWERS[kind])
    # the masks decline past MAX_CELLS only once read: that answer names the rows that did
    declined = (why.format("day") + "; the day bitmasks were too large (MAX_CELLS), so the "
                "user-day rows answered")
    return Plan("rollup", why.format("day, read as one bitmask of active days per user"),
                partial(_masks_first, declined=declined))


def _masks_first(ctx: Context, spec: Any, *, declined: str) -> Result:
    got = masks.answer(ctx, spec)
    return got if got is not None else replace(_ANSWERS[spec.kind](ctx, spec),
                                               plan={"why": declined})


def _stale(con: Any, meta: Any) -> str | None:
    rows = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    return (f"the rollups cover {meta.events_rows} events and the table has {rows} (changed "
            "outside 'applens ingest'; run 'applens rollups rebuild')") if (
        meta.events_rows is not None and rows != meta.events_rows) else None


def _unsupported_maths(spec: Any) -> str | None:
    if spec.kind == "active_users":
        other = [m for m in spec.math if m not in _MATHS]
        return f"math {', '.join(other)} needs the events" if other else None
    if spec.kind == "retention":
        if spec.time_window_mode == "24_hour_windows":
            return "24-hour windows time each actor's first event; the rollups count days"
        if any(s is not None and s.properties for s in (spec.target, spec.returning)):
            return "the start or return event filters properties of single events"
        back = spec.returning or spec.target or EventSelector(event=spec.event)
        if spec.minimum_occurrences > 1 and back.event is not None:
            return ("minimum occurrences count one event's events per user and period; the "
                    "rollups keep which days a user did it, not how often")
    if spec.kind == "stickiness" and spec.event is not None and spec.criteria is not None:
        return ("criteria count one event's events per user and period; the rollups keep "
                "which days a user did it, not how often")
    if spec.kind == "trends":
        for i, series in enumerate(spec.series):
            if series.properties:
                return f"series {i} filters properties of single events"
            if series.math not in _MATHS or series.math_property:
                return f"series {i}: math '{series.math}' needs the events"
    return None


# -- reading the rollups -----------------------------------------------------------------
def _day(ctx: Context, i: int) -> date:
    """Local date on which period ``i`` starts (day, week and month periods start at 00:00)."""
    return ctx.range.shift(i).date()


def _weekly(ctx: Context, event: str | None) -> bool:
    """Whether ``_user_days(..., by_period=True)`` reads rollup_user_week: any event at week
    interval (it keeps both week conventions, one row per (user, week))."""
    return event is None and ctx.range.interval == "week"


def _user_days(ctx: Context, event: str | None, lo: date, hi: date, *,
               by_period: bool = False) -> ir.Table:
    """``(user_id, day, n, _p)``: events per user and local day in ``[lo, hi)``; users are
    the rollups' numbers (``uid``), which count and join like the ids they stand for.
    ``by_period``: the caller only needs ``_p``, so at week interval ``lo``/``hi`` are week
    starts and a row may be a whole week (``day`` its first day)."""
    if by_period and _weekly(ctx, event):
        t = ctx.backend.table("rollup_user_week")
        # a row's convention is the weekday its week starts on (periods start on week starts)
        t = t.filter(t.week >= lo, t.week < hi, t.week.day_of_week.index() == lo.weekday())
        per_day = t.select(user_id=t.uid, day=t.week, n=t.n)
    elif event is None:  # one row per (user, day)
        t = ctx.backend.table("rollup_user_day")
        per_day = t.filter(t.day >= lo, t.day < hi).rename(user_id="uid")
    else:  # the event's day masks: which days, not how many events (the planner sends
        # questions that count one event's events per user elsewhere)
        t = event_days(ctx.backend, event_number(ctx.backend.con, event), lo, hi)
        per_day = t.select(user_id=t.uid, day=t.day, n=ibis.literal(1, "int64"))
    return per_day.mutate(_p=ctx.local_period(per_day.day.cast("timestamp")))


def _series(ctx: Context, *, event: str | None, properties: Sequence[Any] = (),
            maths: Sequence[str], math_property: str | None = None,
            ranking: Any = None) -> tuple[list[str | None], SeriesValues, Any]:
    """``compute_series`` from the rollups (no properties, no breakdown)."""
    if event is None and ctx.range.interval == "day":
        return _daily_series(ctx, maths)
    if (counted := day_series(ctx, event, maths)) is not None:  # rows growing with days
        return [None], counted, None
    rolling, lookback = rolling_maths(maths, ctx.range.interval)
    lo = (ctx.range.shift(1) - timedelta(days=lookback)).date() if lookback else _day(ctx, 0)
    days = _user_days(ctx, event, lo, _day(ctx, ctx.n_periods), by_period=not lookback)
    in_range = days.filter(days._p >= 0) if lookback else days
    aggs: dict[str, ir.Scalar] = {m: in_range.user_id.nunique() for m in ("dau", *maths)
                                  if m in ("dau", "wau", "mau") and m not in rolling}
    frame = in_range.group_by("_p").agg(total=in_range.n.sum(), **aggs).to_pandas()
    if event is not None:  # one event's rows say which days, not how many events
        frame["total"] = totals(ctx, event)[frame["_p"].to_numpy(dtype="int64")]
    values = values_from_frame(ctx, frame, [None], maths, False)
    if rolling:
        rolling_from_slots(ctx, days.select("user_id", _s=_slot(ctx, days.day)), rolling,
                           [None], values)
    return [None], values, None


def _daily_rows(ctx: Context, event: str | None) -> bool:
    """Whether ``_user_days(..., by_period=True)`` has one row per (user, period) already:
    rollup_user_day keeps one per (user, day) and rollup_user_week one per (user, week), so
    at day or week interval regrouping it is wasted work."""
    return event is None and ctx.range.interval in ("day", "week")


def _slot(ctx: Context, day: ir.DateValue) -> ir.IntegerValue:
    origin = int((ctx.range.start - _EPOCH).total_seconds())
    return (day.cast("timestamp").epoch_seconds().cast("int64") - origin) // 86_400


def _daily_series(ctx: Context, maths: Sequence[str]) -> tuple[list[str | None],
                                                               SeriesValues, Any]:
    """Any event at day interval: distinct users per day and the WAU/MAU runs, read from
    rows that grow with days (rollup_day, rollup_runs)."""
    n = ctx.n_periods
    days = ctx.backend.table("rollup_day")
    days = days.filter(days.day >= _day(ctx, 0), days.day < _day(ctx, n))
    frame = days.select(_p=_slot(ctx, days.day), total=days.n, dau=days.users).to_pandas()
    values = values_from_frame(ctx, frame, [None], maths, False)
    rolling, _ = rolling_maths(maths, ctx.range.interval)
    if rolling:
        runs = ctx.backend.table("rollup_runs")
        runs = runs.filter(runs.a < _day(ctx, n), runs.z > _day(ctx, 0) - timedelta(days=1))
        runs = runs.group_by(["a", "z"]).agg(_n=runs.n.sum())
        frame = runs.filter(runs._n != 0).select(_a=_slot(ctx, runs.a), _z=_slot(ctx, runs.z),
                                                 _n=runs._n).to_pandas()
        covered_values(ctx, frame, rolling, [None], values)
    return [None], values, None


def _active_users(ctx: Context, spec: Any) -> Result:
    maths = list(dict.fromkeys(spec.math))
    _, values, _ = _series(ctx, event=spec.event, maths=maths)
    data: dict[str, Any] = {"periods": ctx.range.labels()}
    data.update({m: values[None][m] for m in maths})
    return Result("active_users", data, spec.model_dump(mode="json"))


def _stickiness(ctx: Context, spec: Any) -> Result:
    days = _user_days(ctx, spec.event, _day(ctx, 0), _day(ctx, ctx.n_periods), by_period=True)
    if _daily_rows(ctx, spec.event) and spec.interval_count == 1:
        return stickiness_result(ctx, spec, days.select("user_id", _b=days._p, _n=days.n),
                                 unique=True)
    grouped = days.mutate(_b=days._p // spec.interval_count)
    return stickiness_result(ctx, spec, grouped.group_by(["user_id", "_b"]).agg(
        _n=grouped.n.sum()))


def _lifecycle(ctx: Context, spec: Any) -> Result:
    days = _user_days(ctx, spec.event, _day(ctx, -1), _day(ctx, ctx.n_periods),
                      by_period=True)
    active = days.select("user_id", "_p")
    if not _daily_rows(ctx, spec.event):
        active = active.distinct()
    seen = ctx.backend.table("rollup_first_seen")
    first = seen.group_by("uid").agg(_first=seen.first_day.min())
    created = first.select(_cid=first.uid,
                           _cp=ctx.local_period(first._first.cast("timestamp")))
    users = ctx.users
    if users is not None and "created_at" in users.columns:
        ids = ctx.backend.table("rollup_users")
        users = users.join(ids, users.user_id == ids.user_id)
        known = users.select(_uid=users.uid,
                             _sp=ctx.period(users.created_at.cast("timestamp")))
        created = created.left_join(known, created._cid == known._uid)
        created = created.select("_cid", _cp=ibis.coalesce(created._sp, created._cp))
    return lifecycle_result(ctx, spec, active, created)


def _trends(ctx: Context, spec: Any) -> Result:
    return trends_result(ctx, spec, _series)


def _retention_tables(ctx: Context, spec: Any, target: Any, back: Any,
                      end: int) -> tuple[ir.Table, ir.Table]:
    """``retention.retention_result``'s returns and cohorts from the rollups (no filters, so
    a start event's first occurrence is its name's first day: first_time = first_ever)."""
    c = ctx.n_periods
    days = _user_days(ctx, back.event, _day(ctx, 0), _day(ctx, end), by_period=True)
    ret = (days.select("user_id", "_p", _n=days.n) if _daily_rows(ctx, back.event) else
           days.group_by(["user_id", "_p"]).agg(_n=days.n.sum()))
    if spec.retention_type == "recurring":
        if back == target:
            starts = ret.filter(ret._p < c).select("user_id", "_p")
            if not _daily_rows(ctx, back.event):
                starts = starts.distinct()
        else:
            starts = _user_days(ctx, target.event, _day(ctx, 0), _day(ctx, c), by_period=True)
            starts = starts.select("user_id", "_p").distinct()
        return ret, starts.rename(_c="_p")
    if target.event is None:
        seen = ctx.backend.table("rollup_first_seen")
        first = seen.group_by(user_id=seen.uid).agg(_f=seen.first_day.min())
    else:
        t = first_days(ctx.backend, event_number(ctx.backend.con, target.event))
        first = t.select(user_id=t.uid, _f=t.day)
    starts = first.select("user_id", _c=ctx.local_period(first._f.cast("timestamp")))
    return ret, starts.filter((starts._c >= 0) & (starts._c < c))


def _retention(ctx: Context, spec: Any) -> Result:
    if spec.retention_type != "recurring":  # one start per user: the join is small
        return retention_result(ctx, spec, _retention_tables)
    return retention_result(ctx, spec, _retention_tables,
                            cells_of=lambda *args: bitmask_cells(ctx, *args))


_ANSWERS: dict[str, Answer] = {"active_users": _active_users, "stickiness": _stickiness,
                               "lifecycle": _lifecycle, "trends": _trends,
                               "retention": _retention}
