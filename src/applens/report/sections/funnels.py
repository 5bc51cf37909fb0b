"""Funnels: how many people go on from the most common event through the next ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.charts.funnel import funnel_chart, funnel_frame
from applens.errors import InsufficientDataError
from applens.insights import query
from applens.insights.funnel import DEFAULT_WINDOW, default_steps
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import fmt_pct, require_events, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

def _steps(ws: Workspace, period: Period) -> list[str]:
    """The default funnel's steps over the period (the dashboard's, defined once)."""
    start, end = utc_bounds(ws, period)
    events = ws.table("events")
    return default_steps(events.filter((events.ts >= start) & (events.ts < end)))


@register("funnels", order=50)
def funnels(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    steps = _steps(ws, period)
    if len(steps) < 2:
        found = f"only '{steps[0]}' leads anywhere" if steps else "none"
        raise InsufficientDataError(
            f"A funnel needs two kinds of events that users do one after the other; {period} "
            f"has {found} (events few users combine, such as the arms of an A/B test, are "
            "alternatives, not steps).")
    result = query({"kind": "funnel", "steps": [{"event": s} for s in steps],
                    "conversion_window": DEFAULT_WINDOW, **period.spec_range()}, ws)
    frame = funnel_frame(result, steps)
    if not frame["count"].iloc[0]:
        raise InsufficientDataError(f"Nobody did '{steps[0]}' in {period}: no funnel to show.")
    path = " → ".join(steps)
    section = Section("funnels", "Funnels", summary=(
        f"The {len(steps)} events most users reach, in the order users first do them, within "
        "one day of the "
        f"first ({period})."))
    overall = float(frame["rate"].iloc[-1])
    section.figures.append(Figure("funnel conversion", overall, fmt_pct(overall)))
    rates = " → ".join(f"{r:.0%}" for r in frame["rate"])
    section.findings.append(f"Funnel {path} (1 day): {rates}.")
    worst = frame.iloc[1:].sort_values("step_rate").iloc[0]
    before = frame["event"].iloc[int(worst["step"]) - 1]
    section.findings.append(
        f"Biggest drop: {before} → {worst['event']} ({worst['step_rate']:.0%} go on).")
    if worst["step_rate"] < 0.5:
        section.recommendations.append(
            f"Only {worst['step_rate']:.0%} of users who {before} go on to {worst['event']}: "
            "this step loses the most people; test changes there first.")
    section.charts = [NamedChart("funnel", "Funnel", funnel_chart(result, steps=steps,
                                                                  title=f"Funnel: {path}"))]
    section.data = {"steps": steps, "funnel": result.to_dict()}
    return section
