"""Lifecycle: new / returning / resurrecting / dormant actors per period (PostHog rules).

For each actor's active periods p_1 < p_2 < … (periods with a matching event, one period
of lookback before the range included):

- new: p_1 is the period of the person's ``created_at`` (their first event ever when
  ``users`` has no ``created_at``);
- returning: i > 1 and p_{i-1} is the period right before p_i;
- resurrecting: anything else (including a first active period after creation);
- dormant: one row at p + 1 for every active p whose next period is inactive (negative).

Result: ``{"periods", "new", "returning", "resurrecting", "dormant"}``.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from applens.insights._context import Context
from applens.insights.registry import insight_kind
from applens.insights.result import Result
from applens.insights.spec import LifecycleSpec

__all__ = ["lifecycle", "lifecycle_result"]

STATUSES = ("new", "returning", "resurrecting", "dormant")


def _created(ctx: Context) -> ir.Table:
    """Period of each person's creation: users.created_at, else their first event ever."""
    ev = ctx.events.filter(ctx.events.user_id.notnull())
    first = ev.group_by(ev.user_id).agg(_created=ev.ts.min())
    users = ctx.users
    if users is not None and "created_at" in users.columns:
        known = users.select(_uid=users.user_id, _signup=users.created_at.cast("timestamp"))
        first = first.left_join(known, first.user_id == known._uid)
        first = first.select("user_id", _created=ibis.coalesce(first._signup, first._created))
    return first.select(_cid=first.user_id, _cp=ctx.period(first._created))


@insight_kind("lifecycle", spec=LifecycleSpec, order=30)
def lifecycle(ctx: Context, spec: LifecycleSpec) -> Result:
    base = ctx.select(first=-1, last=ctx.n_periods)
    return lifecycle_result(ctx, spec, base.select("user_id", "_p").distinct(), _created(ctx))


def lifecycle_result(ctx: Context, spec: LifecycleSpec, active: ir.Table, created: ir.Table
                     ) -> Result:
    """The lifecycle from distinct active ``(user_id, _p)`` for periods ``-1 .. n-1`` and each
    person's creation period ``(_cid, _cp)``."""
    n = ctx.n_periods
    w = ibis.window(group_by="user_id", order_by="_p")
    active = active.mutate(_prev=active._p.lag().over(w), _next=active._p.lead().over(w))
    active = active.left_join(created, active.user_id == created._cid)
    status = ibis.cases(
        (active._prev.isnull() & (active._cp == active._p), "new"),
        (active._prev.notnull() & (active._prev == active._p - 1), "returning"),
        else_="resurrecting",
    )
    gone = active._next.isnull() | (active._next != active._p + 1)
    # One pass, no union: count (period, status, leaves-after) and place the dormant rows
    # (period p + 1 of every row that is not followed by p + 1) on the small result.
    rows = active.select("_p", _s=status, _g=ibis.ifelse(gone, 1, 0))
    frame = rows.group_by(["_p", "_s", "_g"]).agg(_n=rows.count()).to_pandas()

    counts: dict[tuple[int, str], int] = {}
    for p, s, g, c in frame[["_p", "_s", "_g", "_n"]].itertuples(index=False):
        counts[(int(p), s)] = counts.get((int(p), s), 0) + int(c)
        if int(g):
            counts[(int(p) + 1, "dormant")] = counts.get((int(p) + 1, "dormant"), 0) + int(c)
    data: dict[str, Any] = {"periods": ctx.range.labels()}
    for s in STATUSES:
        sign = -1 if s == "dormant" else 1
        data[s] = [sign * counts.get((i, s), 0) for i in range(n)]
    return Result("lifecycle", data, spec.model_dump(mode="json"))
