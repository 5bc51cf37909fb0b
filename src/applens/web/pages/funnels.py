"""Funnels page: users reaching each step (steps and window from the form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.charts.funnel import funnel_chart
from applens.errors import InvalidParameterError
from applens.insights.funnel import DEFAULT_WINDOW_HOURS, default_steps
from applens.web.pages._base import (
    Empty,
    Filters,
    PageData,
    Panel,
    chart_spec_of,
    page,
    run_query,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["funnels"]


@page("funnels", "Funnels", order=40, needs_events=True, cached=True)
def funnels(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    where, params = f.sql_where()
    known = [r[0] for r in ws.connection.execute(
        f"SELECT event FROM events WHERE {where} GROUP BY 1 ORDER BY count(*) DESC LIMIT 200",
        params).fetchall()]
    text = f.extra.get("steps", "")
    steps = [s.strip() for s in text.split(",") if s.strip()] or _default_steps(ws, f)
    hours = f.extra.get("window_hours", str(DEFAULT_WINDOW_HOURS))
    try:
        window = int(hours)
        if window < 1:
            raise ValueError
    except ValueError:
        raise InvalidParameterError(
            f"window_hours must be a whole number of hours, 1 or more; got {hours!r}.") from None
    page.form = {"steps": ", ".join(steps), "window_hours": window, "known_events": known}
    if not steps:
        page.empty.append(Empty("No events in this range", "Choose another date range.",
                                "applens ingest events.csv"))
        return page
    result = run_query(ws, f.spec("funnel", steps=[{"event": s} for s in steps],
                               conversion_window={"value": window, "unit": "hour"}))
    frame = result.to_frame()
    if "event" not in frame.columns:
        frame.insert(1, "event", steps[: len(frame)])
    page.panels.append(Panel("funnel", "Funnel: users reaching each step", frame,
                             chart_spec_of(funnel_chart, frame)))
    return page


def _default_steps(ws: Workspace, f: Filters) -> list[str]:
    """The default funnel (the report's too): see ``insights.funnel.default_steps``."""
    events = ws.table("events")
    lo, hi = f.sql_where()[1][:2]
    events = events.filter((events.ts >= lo) & (events.ts < hi))
    if f.slice_key and f.slice_value:
        events = events.filter(events[f.slice_key] == f.slice_value)
    return default_steps(events)
