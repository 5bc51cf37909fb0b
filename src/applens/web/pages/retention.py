"""Retention & lifecycle page: cohort retention by first-seen day and lifecycle states."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.charts.lifecycle import lifecycle_chart
from applens.charts.retention import retention_frame, retention_heatmap
from applens.web.pages._base import (
    Filters,
    PageData,
    Panel,
    chart_spec_of,
    page,
    run_query,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["retention"]


@page("retention", "Retention & lifecycle", order=30, needs_events=True, cached=True)
def retention(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    days = (f.date_to - f.date_from).days + 1
    intervals = max(1, min(8, days))
    result = run_query(ws, f.spec("retention", interval="day", total_intervals=intervals,
                               retention_type="first_time"))
    grid = retention_frame(result)
    page.panels.append(Panel("retention", "Retention by first-seen day (share of cohort)",
                             grid, chart_spec_of(retention_heatmap, grid,
                                         period_label="days since first seen")))
    life = run_query(ws, f.spec("lifecycle")).to_frame()
    page.panels.append(Panel("lifecycle", "Lifecycle: new, returning, resurrecting, dormant",
                             life, chart_spec_of(lifecycle_chart, life)))
    return page
