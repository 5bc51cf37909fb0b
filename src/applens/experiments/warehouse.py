"""Per-user experiment metrics computed in the warehouse with Ibis.

The events table (canonical schema: ``ts``, ``user_id``, ``event``, ``value``…) is reduced
to one row per exposed user — group, per-metric counts/sums — without pulling raw events
into pandas; the per-arm sufficient statistics (n, Σ, Σ²) are aggregated in SQL too, so only
a handful of numbers reach Python (the gbstats split: SQL → sufficient stats → inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import ibis
import ibis.expr.types as ir

from applens.errors import InvalidParameterError, SchemaError
from applens.experiments.sql import assign_group_expr
from applens.experiments.stats import RatioStats, SampleStats

__all__ = ["EventMetric", "arm_ratio_stats", "arm_sample_stats", "per_user_metrics"]


@dataclass(frozen=True)
class EventMetric:
    """``count``: events named ``event`` per user; ``sum``: Σ ``value`` of those events;
    ``converted``: 1 if the user did ``event`` at least once."""

    name: str
    event: str
    agg: Literal["count", "sum", "converted"] = "count"


def per_user_metrics(
    events: ir.Table,
    metrics: Sequence[EventMetric],
    *,
    start: datetime,
    end: datetime,
    group_col: str | None = None,
    salt: str | None = None,
    weights: Sequence[float] = (0.5, 0.5),
    names: Sequence[str] = ("control", "treatment"),
) -> ir.Table:
    """One row per user active in ``[start, end)``: ``user_id``, ``group`` and each metric.

    The group comes from ``group_col`` (an events column, e.g. an exposure property; one
    non-null value per user is taken, users without one are left out) or from the salted
    hash (``salt``), computed in SQL.
    """
    if (group_col is None) == (salt is None):
        raise InvalidParameterError("Give either group_col or salt for the assignment.")
    if group_col is not None and group_col not in events.columns:
        raise SchemaError(f"Assignment column {group_col!r} is not in the events table.")
    window = events.filter((events.ts >= start) & (events.ts < end))
    aggs: dict[str, ir.Value] = {}
    for metric in metrics:
        hit = window.event == metric.event
        if metric.agg == "count":
            aggs[metric.name] = hit.cast("int64").sum()
        elif metric.agg == "sum":
            aggs[metric.name] = ibis.ifelse(hit, window.value, 0.0).sum()
        elif metric.agg == "converted":
            aggs[metric.name] = hit.cast("int64").max()
        else:
            raise InvalidParameterError(f"agg must be count, sum or converted; got {metric.agg!r}.")
    if group_col is not None:
        aggs["group"] = window[group_col].cast("string").arbitrary()
    per_user = window.group_by("user_id").aggregate(**aggs)
    if salt is not None:
        per_user = per_user.mutate(group=assign_group_expr(per_user.user_id, salt, weights, names))
    return per_user.filter(per_user.group.notnull())


def arm_sample_stats(
    per_user: ir.Table, metric: str, group_col: str = "group"
) -> dict[str, SampleStats]:
    """n, Σx, Σx² per arm in SQL → :class:`SampleStats` per arm."""
    x = per_user[metric].cast("float64")
    rows = (per_user.group_by(group_col)
            .aggregate(n=x.count(), s=x.sum(), ss=(x * x).sum())
            .execute())
    return {str(r[group_col]): SampleStats.from_sums(int(r.n), float(r.s), float(r.ss))
            for _, r in rows.iterrows()}


def arm_ratio_stats(
    per_user: ir.Table, numerator: str, denominator: str, group_col: str = "group"
) -> dict[str, RatioStats]:
    """The six sums of a ratio metric per arm in SQL → :class:`RatioStats` per arm."""
    x, y = per_user[numerator].cast("float64"), per_user[denominator].cast("float64")
    rows = per_user.group_by(group_col).aggregate(
        n=x.count(), sx=x.sum(), sxx=(x * x).sum(), sy=y.sum(), syy=(y * y).sum(),
        sxy=(x * y).sum(),
    ).execute()
    return {
        str(r[group_col]): RatioStats.from_sums(int(r.n), float(r.sx), float(r.sxx), float(r.sy),
                                                float(r.syy), float(r.sxy))
        for _, r in rows.iterrows()
    }
