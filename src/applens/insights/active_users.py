"""Active users: total events, DAU, rolling WAU/MAU, unique sessions, events per user."""

from __future__ import annotations

from typing import Any

from applens.insights._context import Context
from applens.insights._series import compute_series
from applens.insights.registry import insight_kind
from applens.insights.result import Result
from applens.insights.spec import ActiveUsersSpec

__all__ = ["active_users"]


@insight_kind("active_users", spec=ActiveUsersSpec, order=10)
def active_users(ctx: Context, spec: ActiveUsersSpec) -> Result:
    maths = list(dict.fromkeys(spec.math))
    labels, values, _ = compute_series(
        ctx, event=spec.event, properties=(), maths=maths
    )
    data: dict[str, Any] = {"periods": ctx.range.labels()}
    if spec.breakdown is None:
        data.update({m: values[None][m] for m in maths})
    else:
        data["by_breakdown"] = {
            str(label): {m: values[label][m] for m in maths} for label in labels
        }
    return Result("active_users", data, spec.model_dump(mode="json"))
