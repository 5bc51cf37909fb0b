"""App health: crash rate per app_version (sessions with a crash), with Wilson CIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.crashes import crash_rate_chart, crash_rate_frame
from applens.errors import InsufficientDataError
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import columns, fmt_pct, require_events, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

CRASH_EVENTS = ("crash", "app_crash", "crashed", "fatal_error", "anr")


def crash_events(ws: Workspace) -> list[str]:
    """Event names in the data that mean a crash."""
    rows = ws.connection.execute(
        "SELECT DISTINCT event FROM events WHERE lower(event) IN ("
        + ", ".join("?" * len(CRASH_EVENTS)) + ")", list(CRASH_EVENTS)).fetchall()
    return sorted(r[0] for r in rows)


def crash_table(ws: Workspace, period: Period, by: str = "app_version") -> pd.DataFrame:
    """Per ``by`` value: sessions (or users, without session ids) and those with a crash."""
    unit = "session_id" if "session_id" in columns(ws, "events") else "user_id"
    names = crash_events(ws)
    start, end = utc_bounds(ws, period)
    marks = ", ".join("?" * len(names))
    frame = ws.connection.execute(
        f'SELECT coalesce(CAST("{by}" AS VARCHAR), \'(none)\') AS "{by}", '
        f"count(DISTINCT {unit}) AS units, "
        f"count(DISTINCT CASE WHEN event IN ({marks}) THEN {unit} END) AS crashes "
        f"FROM events WHERE ts >= ? AND ts < ? AND {unit} IS NOT NULL "
        f'GROUP BY ALL ORDER BY "{by}"', [*names, start, end]).df()
    return frame.rename(columns={"units": "sessions" if unit == "session_id" else "users"})


@register("health", order=80)
def health(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    if "app_version" not in columns(ws, "events"):
        raise InsufficientDataError(
            "The events have no app_version column, so crash rates cannot be compared by "
            "version.")
    if not crash_events(ws):
        raise InsufficientDataError(
            f"No crash events in the data (an event named {', '.join(CRASH_EVENTS)}).")
    table = crash_table(ws, period)
    unit = "sessions" if "sessions" in table.columns else "users"
    if table.empty or not table["crashes"].sum():
        raise InsufficientDataError(f"No crash in {period}.")
    frame = crash_rate_frame(table, unit=unit)
    overall = float(frame["crashes"].sum() / frame[unit].sum())
    section = Section("health", "App health", summary=(
        f"Share of {unit} with at least one crash, per app_version, with 95% Wilson "
        "intervals; the dashed line is the overall rate."))
    section.figures.append(Figure(f"{unit} with a crash", overall, fmt_pct(overall, 2)))
    section.findings.append(
        f"{int(frame['crashes'].sum()):,} of {int(frame[unit].sum()):,} {unit} crashed "
        f"({fmt_pct(overall, 2)}).")
    for row in frame.sort_values("rate", ascending=False).itertuples():
        if row.low > overall:  # worse than average beyond doubt
            others = frame[frame["app_version"] != row.app_version]
            rest = float(others["crashes"].sum() / others[unit].sum()) if len(others) else 0.0
            times = f", {row.rate / rest:.1f}× the other versions" if rest else ""
            section.findings.append(
                f"app_version {row.app_version} crashes in {fmt_pct(row.rate, 2)} of {unit} "
                f"(95% CI {fmt_pct(row.low, 2)}–{fmt_pct(row.high, 2)}{times}).")
            section.recommendations.append(
                f"Investigate app_version {row.app_version}: its crash rate is above the "
                "average beyond chance; consider pausing its rollout or shipping a fix.")
    section.charts = [NamedChart("crash-rate", "Crash rate by app_version",
                                 crash_rate_chart(table, unit=unit))]
    section.data = {"by_app_version": frame.to_dict(orient="records"), "overall": overall}
    return section
