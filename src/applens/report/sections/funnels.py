"""Funnels: how many people go on from the most common event through the next ones."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from applens.charts.funnel import funnel_chart, funnel_frame
from applens.insights import query
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import fmt_pct, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

STEPS = 4
SKIP = ("crash", "error", "exception")  # failures are not steps anyone aims for
WINDOW_DAYS = 7


def _steps(ws: Workspace, period: Period) -> list[str]:
    """The STEPS events reached by most users, in that order (the natural path of an app)."""
    start, end = utc_bounds(ws, period)
    rows = ws.connection.execute(
        "SELECT event, count(DISTINCT user_id) AS n FROM events WHERE ts >= ? AND ts < ? "
        "GROUP BY event ORDER BY n DESC, event LIMIT 50", [start, end]).fetchall()
    names = [r[0] for r in rows if not any(word in str(r[0]).lower() for word in SKIP)]
    return names[:STEPS]


@register("funnels", order=50)
def funnels(ws: Workspace, period: Period) -> Section | None:
    if not ws.has_table("events"):
        return None
    last_week = type(period)(max(period.start, period.end - dt.timedelta(days=WINDOW_DAYS - 1)),
                             period.end)
    steps = _steps(ws, last_week)
    if len(steps) < 2:
        return None
    result = query({"kind": "funnel", "steps": [{"event": s} for s in steps],
                    "conversion_window": {"value": 1, "unit": "day"},
                    **last_week.spec_range()}, ws)
    frame = funnel_frame(result, steps)
    if not frame["count"].iloc[0]:
        return None
    path = " → ".join(steps)
    section = Section("funnels", "Funnels", summary=(
        f"The {len(steps)} events most users reach, in that order, within one day of the "
        f"first ({last_week})."))
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
