"""Retention: day-N retention of first-time cohorts, by traffic source when there is one."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from applens.charts.retention import retention_frame, retention_heatmap
from applens.errors import InsufficientDataError
from applens.insights import query
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import columns, count, fmt_pct, require_events

if TYPE_CHECKING:
    import pandas as pd

    from applens.report._model import Period
    from applens.workspace import Workspace

DAYS = 7
BIG_GAP = 0.05  # 5 percentage points


def _breakdown(ws: Workspace) -> dict[str, str] | None:
    """Traffic source as a person property (users.source), else an event property."""
    for table, kind in (("users", "person"), ("events", "event")):
        if "source" in columns(ws, table):
            values = count(ws, f"SELECT count(DISTINCT source) FROM {table}")
            if 2 <= values <= 20:
                return {"type": kind, "property": "source"}
    return None


def day_rate(frame: pd.DataFrame, day: int) -> dict[Any, float]:
    """Retention on ``day`` per group: retained / cohort size summed over every cohort."""
    key = "breakdown" if "breakdown" in frame.columns else None
    groups = frame.groupby(key) if key else [(None, frame)]
    rates = {}
    for name, part in groups:
        at = part[part["period"] == day]
        sizes = at["size"].sum()
        if sizes:
            rates[name] = float(at["retained"].sum() / sizes)
    return rates


@register("retention", order=40)
def retention(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    if period.days <= DAYS:
        raise InsufficientDataError(
            f"Retention follows each day's new users for {DAYS} days; {period} has only "
            f"{period.days} day(s).")
    last_cohort = period.end - dt.timedelta(days=DAYS)  # every cohort is seen for DAYS days
    spec: dict[str, Any] = {"kind": "retention", "interval": "day", "total_intervals": DAYS + 1,
                            "retention_type": "first_time", "date_from": period.start.isoformat(),
                            "date_to": last_cohort.isoformat()}
    breakdown = _breakdown(ws)
    if breakdown:
        spec["breakdown"] = breakdown
    result = query(spec, ws)
    frame = retention_frame(result)
    if frame.empty:
        raise InsufficientDataError(f"No new users between {period.start} and {last_cohort}.")
    section = Section("retention", "Retention", summary=(
        f"Share of each day's new users (first event in the workspace) active again N days "
        f"later; cohorts {period.start} to {last_cohort}, so each is followed {DAYS} days."))
    day1, day7 = day_rate(frame, 1), day_rate(frame, DAYS)
    for group, rate in day7.items():
        label = f"day-{DAYS} retention" + (f" ({group})" if group is not None else "")
        section.figures.append(Figure(label, rate, fmt_pct(rate)))
        day1_rate = day1.get(group)
        section.findings.append(
            f"{'All users' if group is None else f'{group} users'}: day-1 retention "
            f"{fmt_pct(day1_rate)}, day-{DAYS} {fmt_pct(rate)}.")
    if {"ads", "organic"} <= set(day7):
        gap = day7["organic"] - day7["ads"]
        side = "below" if gap > 0 else "above"
        section.findings.insert(0, f"{DAYS}-day retention of ads users is "
                                   f"{abs(gap) * 100:.1f} pp {side} organic.")
        if gap >= BIG_GAP:
            section.recommendations.append(
                f"Ads users keep {gap * 100:.0f} pp worse than organic at day {DAYS}: review "
                "ad targeting and the first-session experience of paid users before raising "
                "ad spend.")
    section.charts = [NamedChart(
        "retention", "Retention by cohort",
        retention_heatmap(result, title="Day-N retention by daily cohort"
                                        + (" and source" if breakdown else ""),
                          period_label="days after first use"))]
    section.data = {"retention": result.to_dict(), "day1": day1, f"day{DAYS}": day7}
    return section
