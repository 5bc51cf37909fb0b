"""Funnels: how many actors went through the steps, in order, within a conversion window.

Every entry event (step 0 inside the date range) starts an attempt; the window is measured
from it and its end is inclusive. Each actor counts once, with the attempt that got
furthest (the earliest such attempt); conversion times come from that attempt.

- ``ordered``: step k+1 at or after step k (strictly after when both steps are the same
  selector), other events in between allowed — the earliest next event is always optimal.
- ``strict``: step k+1 must be the actor's very next event of any kind.
- ``unordered``: from an anchor event of any step, how many distinct steps were done in
  the window; times are between the successive first occurrences.

An actor who does an exclusion event after reaching ``from_step`` and before reaching
``to_step`` (or before the window ends) is removed from the whole funnel. Breakdown
attribution: ``first_touch`` (value at step 0), ``last_touch`` (at the last step reached),
``step`` (at a given step; actors who did not reach it are dropped), ``all_steps`` (every
step must carry the same value; an actor can be in several buckets).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from applens.errors import did_you_mean
from applens.insights import _filters
from applens.insights._context import Context
from applens.insights.registry import insight_kind
from applens.insights.result import Result
from applens.insights.spec import FunnelSpec

__all__ = ["DEFAULT_STEPS", "DEFAULT_WINDOW", "DEFAULT_WINDOW_HOURS", "default_steps", "funnel"]

_NULL_TS = ibis.null().cast("timestamp")
# The default funnel (dashboard and report alike): the DEFAULT_STEPS events most users do,
# in the order users first do them, converting within DEFAULT_WINDOW.
DEFAULT_STEPS = 4
DEFAULT_WINDOW_HOURS = 24
DEFAULT_WINDOW = {"value": DEFAULT_WINDOW_HOURS, "unit": "hour"}
_NOT_STEPS = ("crash", "error", "exception")  # failures are not steps anyone aims for
_SUGGEST_FROM = 1000  # the most frequent event names a did-you-mean looks at


def _window(spec: FunnelSpec) -> ir.IntervalScalar:
    w = spec.conversion_window
    value, unit = (w.value, w.unit) if w.value > 0 else (14, "day")  # PostHog's fallback
    return ibis.interval(**{unit + "s": value})


def _step(ctx: Context, spec: FunnelSpec, k: int, attributed: bool) -> ir.Table:
    """Step ``k`` events as (_u, _s, [_sb]); step 0 inside the range, later ones after it."""
    step = spec.steps[k]
    event = step.event if step.event is not None else spec.event
    table = ctx.select(event=event, properties=step.properties,
                       last=ctx.n_periods if k == 0 else None)
    cols: dict[str, Any] = {"_u": table.user_id, "_s": table.ts}
    if attributed and "_bd" in table.columns:
        cols["_sb"] = table._bd
    return table.select(**cols).distinct()


def _ordered(ctx: Context, spec: FunnelSpec, window: ir.IntervalScalar, by_bd: bool) -> ir.Table:
    n = len(spec.steps)
    steps = [_step(ctx, spec, k, True) for k in range(n)]
    first = steps[0]
    cols: dict[str, Any] = {"user_id": first._u, "_t0": first._s}
    if "_sb" in first.columns:
        cols["_b0"] = first._sb
    attempts = first.select(**cols)
    for k in range(1, n):
        s = steps[k]
        prev = attempts[f"_t{k - 1}"]
        same = spec.steps[k] == spec.steps[k - 1]
        on = [attempts.user_id == s._u, (s._s > prev) if same else (s._s >= prev),
              s._s <= attempts._t0 + window]
        if by_bd:  # all_steps: every step carries the attempt's value
            on.append(s._sb == attempts._b0)
        joined = attempts.left_join(s, on)
        keys = [c for c in attempts.columns]
        attempts = joined.group_by(keys).agg(**{f"_t{k}": joined._s.min()})
        if "_sb" in s.columns and not by_bd:
            back = s.rename(_u2="_u", _s2="_s", _sb2="_sb")
            hit = attempts.left_join(
                back, (attempts.user_id == back._u2) & (attempts[f"_t{k}"] == back._s2)
            )
            attempts = hit.group_by(list(attempts.columns)).agg(**{f"_b{k}": hit._sb2.min()})
        elif by_bd:
            attempts = attempts.mutate(**{f"_b{k}": attempts._b0})
    return attempts


def _strict(ctx: Context, spec: FunnelSpec, window: ir.IntervalScalar, by_bd: bool) -> ir.Table:
    n = len(spec.steps)
    # The whole event stream matters: any event between two steps breaks the chain.
    stream = ctx.select(event=None, first=0, apply_global=False, keep=())
    flags = []
    for k, step in enumerate(spec.steps):
        event = step.event if step.event is not None else spec.event
        matched = ctx.select(event=event, properties=step.properties, first=0)
        flags.append(matched.select(_fu=matched.user_id, _fs=matched.ts).distinct()
                     .mutate(**{f"_f{k}": ibis.literal(True)}))
    t = stream
    for k, f in enumerate(flags):
        t = t.left_join(f, (t.user_id == f._fu) & (t.ts == f._fs)).drop("_fu", "_fs")
        t = t.mutate(**{f"_f{k}": t[f"_f{k}"].fill_null(False)})
    w = ibis.window(group_by="user_id", order_by=["ts"])
    ok = t._f0 & (t._p < ctx.n_periods)
    cols: dict[str, Any] = {"user_id": t.user_id, "_t0": t.ts}
    if "_bd" in t.columns:
        cols["_b0"] = t._bd
    chain = ibis.literal(True)
    for k in range(1, n):
        nxt_ts = t.ts.lead(k).over(w)
        chain = chain & t[f"_f{k}"].lead(k).over(w).fill_null(False) & (nxt_ts <= t.ts + window)
        if by_bd:
            chain = chain & (t._bd.lead(k).over(w) == t._bd)
        cols[f"_t{k}"] = ibis.ifelse(chain, nxt_ts, _NULL_TS)
        if "_bd" in t.columns:
            cols[f"_b{k}"] = t._bd.lead(k).over(w)
    picked = t.select(**cols, _ok=ok)
    return picked.filter(picked._ok).drop("_ok")


def _unordered(ctx: Context, spec: FunnelSpec, window: ir.IntervalScalar, by_bd: bool) -> ir.Table:
    n = len(spec.steps)
    steps = [_step(ctx, spec, k, True) for k in range(n)]
    anchors = ibis.union(*[s.filter(s._s < ctx.utc(ctx.n_periods)) for s in steps],
                         distinct=True) if n > 1 else steps[0]
    anchors = anchors.filter(anchors._s >= ctx.utc(0))
    cols = {"user_id": anchors._u, "_t0": anchors._s}
    if "_sb" in anchors.columns:
        cols["_b0"] = anchors._sb
    anchors = anchors.select(**cols)
    firsts = []
    for k, s in enumerate(steps):
        on = [anchors.user_id == s._u, s._s >= anchors._t0, s._s <= anchors._t0 + window]
        if by_bd:
            on.append(s._sb == anchors._b0)
        j = anchors.join(s, on)
        firsts.append(j.group_by(list(anchors.columns)).agg(_at=j._s.min(), _k=ibis.literal(k)))
    hits = ibis.union(*firsts, distinct=False)
    hits = hits.mutate(_j=ibis.row_number().over(
        group_by=list(anchors.columns), order_by=["_at", "_k"]))
    aggs = {f"_t{j}": ibis.ifelse(hits._j == j, hits._at, _NULL_TS).max() for j in range(1, n)}
    out = hits.group_by(list(anchors.columns)).agg(**aggs)
    if "_b0" in out.columns:
        out = out.mutate(**{f"_b{k}": out._b0 for k in range(1, n)})
    return out


def _exclude(ctx: Context, spec: FunnelSpec, attempts: ir.Table, window: ir.IntervalScalar
             ) -> ir.Table:
    """Drop every actor with an exclusion event inside a step interval of any attempt."""
    for exc in spec.exclusions:
        x = ctx.events.filter(ctx.events.event == exc.event, ctx.events.ts >= ctx.utc(0))
        x = x.select(_xu=x.user_id, _xs=x.ts)
        start, stop = attempts[f"_t{exc.from_step}"], attempts[f"_t{exc.to_step}"]
        until = ibis.coalesce(stop, attempts._t0 + window)
        bad = attempts.join(x, [attempts.user_id == x._xu, x._xs > start, x._xs < until])
        gone = bad.select(_gu=bad.user_id).distinct()
        attempts = attempts.anti_join(gone, attempts.user_id == gone._gu)
    return attempts


@insight_kind("funnel", spec=FunnelSpec, order=50)
def funnel(ctx: Context, spec: FunnelSpec) -> Result:
    n = len(spec.steps)
    window = _window(spec)
    has_bd = spec.breakdown is not None
    by_bd = has_bd and spec.breakdown_attribution == "all_steps"
    build = {"ordered": _ordered, "strict": _strict, "unordered": _unordered}[spec.order]
    attempts = build(ctx, spec, window, by_bd)
    attempts = _exclude(ctx, spec, attempts, window)
    reached = sum(
        (ibis.ifelse(attempts[f"_t{k}"].notnull(), 1, 0) for k in range(1, n)), ibis.literal(1)
    )
    attempts = attempts.mutate(_r=reached)
    actor = ["user_id", "_b0"] if by_bd else ["user_id"]
    best = attempts.mutate(_rank=ibis.row_number().over(
        group_by=actor, order_by=[ibis.desc("_r"), "_t0"]))
    best = best.filter(best._rank == 0).drop("_rank")
    if has_bd:
        best = best.mutate(_bd=_attributed(spec, best, n))
        if spec.breakdown_attribution == "step":
            best = best.filter(best[f"_t{spec.breakdown_attribution_step}"].notnull())
        top, more = _filters.top_values(best, "_bd", None, spec.breakdown_limit)
        if more:
            best = best.mutate(_bd=_filters.fold_other(best._bd, top))
            top = [*top, _filters.OTHER_LABEL]
    frame = _summary(best, n, has_bd).to_pandas()
    data: dict[str, Any] = {}
    if not has_bd:
        data.update(_block(frame, n))
    else:
        data["by_breakdown"] = {v: _block(frame[frame["_bd"] == v], n) for v in top}
    return Result("funnel", data, spec.model_dump(mode="json"), notes=_unknown_steps(ctx, spec))


def _unknown_steps(ctx: Context, spec: FunnelSpec) -> tuple[str, ...]:
    """One note per step whose event never occurs at all (a typo gives 0 silently)."""
    names = {s.event if s.event is not None else spec.event for s in spec.steps} - {None}
    if not names:
        return ()
    t = ctx.events
    hit = t.filter(t.event.isin(sorted(names)))
    seen = set(hit.select("event").distinct().to_pandas()["event"])
    if not names - seen:
        return ()
    known = t.event.value_counts().order_by(ibis.desc("event_count")).limit(_SUGGEST_FROM)
    existing = [str(e) for e in known.to_pandas()["event"] if e is not None]
    notes = []
    for k, step in enumerate(spec.steps):
        name = step.event if step.event is not None else spec.event
        if name is not None and name not in seen:
            hint = did_you_mean(name, existing) or (
                f" Events: {', '.join(existing[:8])}{', …' if len(existing) > 8 else ''}.")
            notes.append(f"Funnel step {k + 1} '{name}' never occurs in the events, so "
                         f"nobody reaches it.{hint}")
    return tuple(notes)


def _attributed(spec: FunnelSpec, best: ir.Table, n: int) -> ir.StringValue:
    mode = spec.breakdown_attribution
    if mode in ("first_touch", "all_steps"):
        return best._b0
    if mode == "step":
        return best[f"_b{spec.breakdown_attribution_step}"]
    cases = [(best._r == k + 1, best[f"_b{k}"]) for k in range(n)]
    return ibis.cases(*cases, else_=best._b0)


def _summary(best: ir.Table, n: int, has_bd: bool) -> ir.Table:
    secs = {k: best[f"_t{k}"].truncate("s").epoch_seconds().cast("int64") for k in range(n)}
    aggs: dict[str, Any] = {}
    for k in range(n):
        aggs[f"_c{k}"] = ibis.ifelse(best._r >= k + 1, 1, 0).sum()  # no bool->int cast on PG
        if k:
            gap = ibis.ifelse(best._r >= k + 1, (secs[k] - secs[k - 1]).cast("float64"),
                              ibis.null().cast("float64"))
            aggs[f"_avg{k}"] = gap.mean()
            aggs[f"_med{k}"] = gap.median()
    return best.group_by("_bd").agg(**aggs) if has_bd else best.agg(**aggs)


def _block(frame: Any, n: int) -> dict[str, list[Any]]:
    row = frame.iloc[0] if len(frame) else None

    def num(name: str) -> Any:
        if row is None or row[name] is None or row[name] != row[name]:
            return None
        return float(row[name])

    counts = [int(row[f"_c{k}"] or 0) if row is not None else 0 for k in range(n)]
    return {
        "step_counts": counts,
        "conversion_rates": [c / counts[0] if counts[0] else 0.0 for c in counts],
        "median_conversion_seconds": [None] + [num(f"_med{k}") for k in range(1, n)],
        "average_conversion_seconds": [None] + [num(f"_avg{k}") for k in range(1, n)],
    }


MIN_STEP_SHARE = 0.05  # a default step is reached by at least 5% of the previous step's users


def default_steps(events: ir.Table, count: int = DEFAULT_STEPS) -> list[str]:
    """The default funnel's steps over ``events`` (already cut to the range and slice): the
    ``count`` events reached by most users, failures left out, ordered by how long after
    their first of these events users first do each (the natural path through the app)."""
    t = events.filter(events.user_id.notnull() & events.event.notnull())
    for word in _NOT_STEPS:
        t = t.filter(~t.event.lower().contains(word))
    reach = t.group_by("event").agg(_n=t.user_id.nunique())
    top = reach.order_by([ibis.desc("_n"), "event"]).limit(count)
    names = [str(e) for e in top.to_pandas()["event"]]
    if not names:
        return []
    firsts = t.filter(t.event.isin(names)).group_by(["user_id", "event"]).agg(_t=t.ts.min())
    starts = firsts.group_by("user_id").agg(_t0=firsts._t.min())
    joined = firsts.join(starts, "user_id")
    secs = (joined._t.epoch_seconds() - joined._t0.epoch_seconds()).cast("float64")
    order = joined.group_by("event").agg(_lag=secs.mean()).order_by(["_lag", "event"])
    ordered = [str(e) for e in order.to_pandas()["event"]]
    # A step is one that users of the step before go on to: events few of them ever do
    # (the arms of an A/B test, old_page vs new_page) are alternatives, not a path.
    who = firsts.select("user_id", "event").to_pandas().groupby("event")["user_id"].agg(set)
    steps = ordered[:1]
    for event in ordered[1:]:
        before = who[steps[-1]]
        if len(before & who[event]) >= MIN_STEP_SHARE * len(before):
            steps.append(event)
    return steps
