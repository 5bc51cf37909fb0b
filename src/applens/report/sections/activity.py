"""Activity: DAU / WAU / MAU, stickiness, and the change against the previous period."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from applens.charts.activity import active_users_chart
from applens.charts.stickiness import dau_mau_chart, stickiness_chart
from applens.errors import InsufficientDataError
from applens.insights import query
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import fmt_int, fmt_pct, require_events

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

LOW_STICKINESS = 0.2  # below one daily visit in five monthly users
BIG_CHANGE = 0.10


def _first_day(ws: Workspace) -> dt.date:
    """Local date of the oldest event: a comparison needs data over the whole period before."""
    oldest = ws.connection.execute("SELECT min(ts) FROM events").fetchall()[0][0]
    return oldest.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ws.settings.timezone)).date()


@register("activity", order=10)
def activity(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    spec = {"kind": "active_users", "math": ["dau", "wau", "mau"], "interval": "day"}
    result = query({**spec, **period.spec_range()}, ws)
    frame = result.to_frame()
    if not frame["dau"].sum():
        raise InsufficientDataError(f"No user was active in {period}: no activity to show.")
    before = query({**spec, "math": ["dau"], **period.shifted(-period.days).spec_range()},
                   ws).to_frame()
    sticky = query({"kind": "stickiness", "interval": "day", **period.spec_range()}, ws)
    last = frame.iloc[-1]
    average = float(frame["dau"].mean())
    previous = float(before["dau"].mean())
    ratio = last["dau"] / last["mau"] if last["mau"] else 0.0
    section = Section("activity", "Activity", summary=(
        f"Active users per day in the workspace timezone ({ws.settings.timezone}); WAU and "
        "MAU are rolling 7- and 30-day windows ending each day."))
    section.figures = [
        Figure(f"DAU on {last['period']}", int(last["dau"]), fmt_int(last["dau"])),
        Figure("WAU", int(last["wau"]), fmt_int(last["wau"])),
        Figure("MAU", int(last["mau"]), fmt_int(last["mau"])),
        Figure("DAU / MAU", float(ratio), fmt_pct(ratio, 0)),
        Figure("average DAU", average, fmt_int(average)),
    ]
    busiest, quietest = frame.loc[frame["dau"].idxmax()], frame.loc[frame["dau"].idxmin()]
    section.findings.append(
        f"DAU averaged {average:,.0f} over {period.days} days; busiest day {busiest['period']} "
        f"({busiest['dau']:,}), quietest {quietest['period']} ({quietest['dau']:,}).")
    covered = _first_day(ws) <= period.start - dt.timedelta(days=period.days)
    change = average / previous - 1 if previous and covered else None
    if change is not None:
        section.figures.append(Figure("DAU vs previous period", change, f"{change * 100:+.1f}%"))
        section.findings.append(
            f"Average DAU is {change * 100:+.1f}% against the {period.days} days before "
            f"({previous:,.0f}).")
        if change <= -BIG_CHANGE:
            section.recommendations.append(
                f"DAU fell {-change:.0%} against the previous period: check the slices and "
                "anomalies sections for where the loss is concentrated.")
    section.findings.append(f"Stickiness DAU/MAU on the last day: {ratio:.0%}.")
    if ratio < LOW_STICKINESS:
        section.recommendations.append(
            f"Stickiness is low (DAU/MAU {ratio:.0%}): fewer than one monthly user in five "
            "comes back on a given day; work on re-engagement (notifications, fresh content).")
    section.charts = [
        NamedChart("active-users", "Active users", active_users_chart(result)),
        NamedChart("dau-mau", "DAU / MAU", dau_mau_chart(result)),
        NamedChart("stickiness", "Days active in the period", stickiness_chart(sticky)),
    ]
    section.data = {"active_users": result.to_dict(), "previous_average_dau": previous,
                    "stickiness": sticky.to_dict()}
    return section
