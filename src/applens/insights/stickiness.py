"""Stickiness: how many actors were active in exactly k intervals of the range.

An interval counts for an actor when they did the event in it (and, with ``criteria``, the
number of events in it is >= / <= / == N). ``interval_count`` groups consecutive intervals;
the buckets run 1..K where K is the number of (grouped) intervals the range touches,
partial first and last weeks or months included. ``cumulative``: bucket k counts actors
active in k or more intervals. Result: ``{"buckets": [1..K], "data": [...], "count": N}``.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from applens.insights._context import Context
from applens.insights.registry import insight_kind
from applens.insights.result import Result
from applens.insights.spec import StickinessSpec

__all__ = ["stickiness", "stickiness_result"]


@insight_kind("stickiness", spec=StickinessSpec, order=20)
def stickiness(ctx: Context, spec: StickinessSpec) -> Result:
    base = ctx.limit_breakdown(ctx.select(last=ctx.n_periods))
    actor = ["user_id", "_bd"] if "_bd" in base.columns else ["user_id"]
    grouped = base.mutate(_b=base._p // spec.interval_count)
    return stickiness_result(ctx, spec, grouped.group_by([*actor, "_b"]).agg(_n=grouped.count()))


def stickiness_result(ctx: Context, spec: StickinessSpec, per_interval: ir.Table, *,
                      unique: bool = False) -> Result:
    """The histogram from events per actor and interval group: ``(user_id, [_bd], _b, _n)``
    (``unique``: already one row per actor and group, so rows count the groups)."""
    k_max = -(-ctx.n_periods // spec.interval_count)
    actor = ["user_id", "_bd"] if "_bd" in per_interval.columns else ["user_id"]
    if spec.criteria is not None:
        n, v = per_interval._n, spec.criteria.value
        keep = {"gte": n >= v, "lte": n <= v, "exact": n == v}[spec.criteria.operator]
        per_interval = per_interval.filter(keep)
    k = per_interval.count() if unique else per_interval._b.nunique()
    per_actor = per_interval.group_by(actor).agg(_k=k)
    group = ["_bd", "_k"] if "_bd" in actor else ["_k"]
    frame = per_actor.group_by(group).agg(_actors=per_actor.count()).to_pandas()

    def histogram(rows: Any) -> dict[str, Any]:
        counts = dict(zip(rows["_k"].astype(int), rows["_actors"].astype(int), strict=True))
        data = [counts.get(k, 0) for k in range(1, k_max + 1)]
        if spec.cumulative:
            data = [sum(data[i:]) for i in range(len(data))]
        return {"data": data, "count": int(sum(counts.values()))}

    result: dict[str, Any] = {"buckets": list(range(1, k_max + 1))}
    if "_bd" not in actor:
        result.update(histogram(frame))
    else:
        totals = frame.groupby("_bd")["_actors"].sum()
        # Most actors first, ties by label: engines return groups in any order.
        order = sorted(totals.index, key=lambda v: (-int(totals[v]), str(v)))
        result["by_breakdown"] = {
            str(v): histogram(frame[frame["_bd"] == v]) for v in order
        }
    return Result("stickiness", result, spec.model_dump(mode="json"))
