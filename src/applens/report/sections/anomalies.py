"""Anomalies: the monitor's alerts over the period (needs ``applens.monitor``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.alerts import alert_timeline
from applens.errors import InsufficientDataError
from applens.report._model import Figure, NamedChart, Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import optional, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace


@register("anomalies", order=70)
def anomalies(ws: Workspace, period: Period) -> Section | None:
    history = optional("applens.monitor", "alert_history")
    if history is None or not ws.settings.monitors:
        raise InsufficientDataError(
            "No monitors are configured; add a [monitors] entry to applens.toml (see 'applens "
            "monitor --help') to have alerts reported here.")
    since, until = utc_bounds(ws, period)
    alerts = history(ws, since=since.replace(tzinfo=dt.UTC), until=until.replace(tzinfo=dt.UTC))
    alerts = pd.DataFrame(alerts)
    section = Section("anomalies", "Anomalies", summary=(
        f"Alerts raised by the {len(ws.settings.monitors)} configured monitor(s) over "
        f"{period}."))
    if alerts.empty:
        section.figures.append(Figure("alerts", 0, "0"))
        section.findings.append("No alerts in the period.")
        return section
    section.figures.append(Figure("alerts", len(alerts), f"{len(alerts):,}"))
    status = alerts["status"].astype(str) if "status" in alerts.columns else pd.Series(dtype=str)
    still_open = int((status == "open").sum())
    section.figures.append(Figure("still open", still_open, f"{still_open:,}"))
    by_monitor = alerts.groupby("monitor").size().sort_values(ascending=False)
    section.findings.append(
        f"{len(alerts):,} alerts from {len(by_monitor)} monitor(s); most from "
        f"{by_monitor.index[0]} ({int(by_monitor.iloc[0]):,}).")
    readable = optional("applens.monitor", "readable_alerts")(ws, alerts)
    if "deviation_pct" in alerts.columns and alerts["deviation_pct"].notna().any():
        worst = readable.loc[alerts["deviation_pct"].abs().idxmax()]
        where = f"{worst['monitor']}" + (f" · {worst['series']}" if "series" in alerts.columns
                                         and pd.notna(worst["series"]) else "")
        section.findings.append(
            f"Largest deviation: {where} at {worst['slice_start']}: {worst['value']} vs "
            f"{worst['expected']} expected ({worst['deviation_pct']:+.0f}%).")
    if still_open:
        section.recommendations.append(
            f"{still_open} alert(s) are still open: see 'applens monitor' for their state "
            "and acknowledge or fix them.")
    section.charts = [NamedChart("alerts", "Alerts", alert_timeline(alerts))]
    keep = [c for c in ("monitor", "series", "slice_start", "status", "value", "expected",
                        "deviation_pct") if c in alerts.columns]
    section.tables.append(TableBlock("Latest alerts", readable[keep].tail(20)))
    section.data = {"alerts": len(alerts), "open": still_open}
    return section
