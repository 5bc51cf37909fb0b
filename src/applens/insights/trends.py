"""Trends: several event series over time, each with its own math, plus a formula.

Series are named ``A``, ``B``… by position, so CTR is ``likes / views``:
``{"kind": "trends", "series": [{"event": "like"}, {"event": "view"}], "formula": "A / B"}``.
Result: ``{"periods", "A": [...], "B": [...], "formula": [...]}``; with a breakdown the
same per value under ``by_breakdown`` (values ranked by users over all series).
"""

from __future__ import annotations

from collections.abc import Callable
from string import ascii_uppercase
from typing import Any

from applens.insights import _filters, _formula
from applens.insights._context import Context
from applens.insights._series import compute_series
from applens.insights.registry import insight_kind
from applens.insights.result import Result
from applens.insights.spec import TrendsSpec

__all__ = ["trends", "trends_result"]


@insight_kind("trends", spec=TrendsSpec, order=60)
def trends(ctx: Context, spec: TrendsSpec) -> Result:
    return trends_result(ctx, spec, compute_series)


def trends_result(ctx: Context, spec: TrendsSpec, series_values: Callable[..., Any]) -> Result:
    """Trends with each series computed by ``series_values`` (``compute_series``' signature)."""
    names = list(ascii_uppercase[: len(spec.series)])
    if spec.formula:
        _formula.validate(spec.formula, names)  # fail before running any query
    per_series: dict[str, dict[str | None, list[Any]]] = {}
    labels: list[str | None] = [None]
    ranking = _ranking(ctx, spec)
    for name, series in zip(names, spec.series, strict=True):
        event = series.event if series.event is not None else spec.event
        labels_i, values, ranking = series_values(
            ctx, event=event, properties=series.properties, maths=[series.math],
            math_property=series.math_property, ranking=ranking,
        )
        labels = labels_i
        zeros: list[Any] = [0] * ctx.n_periods
        per_series[name] = {
            label: values.get(label, {}).get(series.math, zeros) for label in labels
        }

    def block(label: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {name: per_series[name][label] for name in names}
        if spec.formula:
            out["formula"] = _formula.evaluate(spec.formula, out)
        return out

    data: dict[str, Any] = {"periods": ctx.range.labels()}
    if spec.breakdown is None:
        data.update(block(None))
    else:
        data["by_breakdown"] = {str(label): block(label) for label in labels}
    return Result("trends", data, spec.model_dump(mode="json"))


def _ranking(ctx: Context, spec: TrendsSpec) -> tuple[list[str], bool] | None:
    """Breakdown values ranked by distinct users over all series together."""
    if spec.breakdown is None:
        return None
    from ibis import union

    parts = [
        ctx.select(event=s.event if s.event is not None else spec.event,
                   properties=s.properties, last=ctx.n_periods).select("user_id", "_bd")
        for s in spec.series
    ]
    both = union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    return _filters.top_values(both, "_bd", None, spec.breakdown_limit)
