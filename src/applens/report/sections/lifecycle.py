"""Lifecycle: who is new, returning, resurrecting or went dormant, per week (or day)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from applens.charts.lifecycle import lifecycle_chart
from applens.errors import InsufficientDataError
from applens.insights import query
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import fmt_int, require_events

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace


@register("lifecycle", order=30)
def lifecycle(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    interval = "week" if period.days >= 21 else "day"
    result = query({"kind": "lifecycle", "interval": interval, **period.spec_range()}, ws)
    frame = result.to_frame()
    if not frame[["new", "returning", "resurrecting"]].to_numpy().sum():
        raise InsufficientDataError(f"No user was active in {period}: no lifecycle to show.")
    # The last week may be cut by the end of the report; then the one before is the latest
    # complete one.
    last_start = dt.date.fromisoformat(str(frame["period"].iloc[-1])[:10])
    cut = interval == "week" and last_start + dt.timedelta(days=6) > period.end
    row = frame.iloc[-2] if cut and len(frame) > 1 else frame.iloc[-1]
    gained = int(row["new"] + row["resurrecting"])
    lost = int(-row["dormant"])
    section = Section("lifecycle", "Lifecycle", summary=(
        f"Users per {interval}: new (first {interval}), returning (active the {interval} "
        f"before), resurrecting (back after a gap) and dormant (active the {interval} before, "
        "not now; drawn below the axis)."))
    section.figures = [Figure(f"{status} ({interval} of {row['period']})", int(row[status]),
                              fmt_int(abs(row[status])))
                       for status in ("new", "returning", "resurrecting", "dormant")]
    section.findings.append(
        f"{interval.capitalize()} of {row['period']}: {gained:,} users came (new or back), "
        f"{lost:,} went dormant, {int(row['returning']):,} stayed.")
    if lost > gained:
        section.recommendations.append(
            f"The active base shrinks: {lost:,} users went dormant in the {interval} of "
            f"{row['period']} but only {gained:,} came; look at the retention section and at "
            "what the leavers had in common.")
    section.charts = [NamedChart("lifecycle", f"Lifecycle per {interval}",
                                 lifecycle_chart(result, title=f"Lifecycle per {interval}"))]
    section.data = {"lifecycle": result.to_dict(), "interval": interval}
    return section
