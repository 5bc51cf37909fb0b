"""Anomalies & alerts page: events per hour with alert hours marked, alert history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pandas as pd

from applens.charts.alerts import alert_timeline
from applens.charts.anomaly import anomaly_chart
from applens.web.pages._base import (
    Empty,
    Filters,
    PageData,
    Panel,
    Table,
    chart_spec_of,
    page,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["anomalies"]


def _alerts(ws: Workspace, f: Filters) -> pd.DataFrame | None:
    """The monitor's incidents overlapping the range (None before the monitor ever ran)."""
    from applens import monitor

    if not ws.has_table("events"):
        return None
    since = dt.datetime.combine(f.date_from, dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    frame = monitor.alert_history(ws, since, until)
    return frame.reset_index(drop=True) if len(frame) else None


def _hourly_marks(hourly: pd.DataFrame, alerts: pd.DataFrame | None) -> pd.DataFrame:
    """Events per hour in the shape of the anomaly chart; hours with an alert are marked."""
    frame = pd.DataFrame({"slice_start": hourly["hour"], "value": hourly["events"],
                          "expected": float("nan"), "lower": float("nan"),
                          "upper": float("nan"), "anomalous": False})
    if alerts is not None and len(alerts):
        stamps = pd.to_datetime(alerts["slice_start"], utc=True).dt.tz_localize(None)
        hours = pd.to_datetime(frame["slice_start"])
        hours = hours.dt.tz_localize(None) if hours.dt.tz is not None else hours
        frame["anomalous"] = hours.isin(set(stamps.dt.floor("h")))
    return frame


@page("anomalies", "Anomalies & alerts", order=60, needs_events=True, cached=True)
def anomalies(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    where, params = f.sql_where()
    hourly = ws.connection.execute(
        f"SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, count(*) AS events FROM events "
        f"WHERE {where} GROUP BY 1 ORDER BY 1", params).df()
    alerts = _alerts(ws, f)
    page.panels.append(Panel("events_hourly", "Events per hour (hours with an alert marked)",
                             hourly, chart_spec_of(anomaly_chart, _hourly_marks(hourly, alerts),
                                           "Events per hour")))
    if alerts is None:
        page.empty.append(Empty("No alert history", "Alerts appear here once the monitor has "
                                "run over this workspace ([monitors.NAME] in applens.toml).",
                                "applens monitor --once"))
    else:
        page.panels.append(Panel("alert_timeline", "Alerts by monitor", alerts,
                                 chart_spec_of(alert_timeline, alerts)))
        from applens.monitor import readable_alerts

        shown = readable_alerts(ws, _with_links(ws, alerts, f))
        page.tables.append(Table("alerts", "Alert history", shown,
                                 links={"explanation": "explain"}))
    if f.extra.get("alert"):
        _explanation(ws, f.extra["alert"], page)
    return page


def _with_links(ws: Workspace, alerts: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Each alert of a monitor that can be explained by slice (declared in applens.toml, on
    a plain count or DAU) links to its explanation: this page with ``alert=ID``."""
    from applens.monitor.why import explainable_monitors

    able = explainable_monitors(ws)
    return alerts.assign(explanation=[
        f"/page/anomalies?{urlencode({**f.query_items(), 'alert': str(i)})}#table-explanation"
        if monitor in able else "" for i, monitor in zip(alerts["id"], alerts["monitor"],
                                                         strict=True)])


def _explanation(ws: Workspace, alert_id: str, page: PageData) -> None:
    """The selected alert's headline (a card) and its slices ranked (a table)."""
    from applens.errors import ApplensError
    from applens.monitor.why import explain_alert

    try:
        alert, result, label = explain_alert(ws, alert_id)
    except ApplensError as exc:
        page.empty.append(Empty(f"No explanation for alert {alert_id}", str(exc),
                                "applens explain METRIC --date DAY"))
        return
    if result is None:
        page.empty.append(Empty(f"No explanation for alert {alert_id}", f"{label}: only a "
                                "monitor on a plain count or DAU is explained by slice.",
                                "applens explain METRIC --date DAY"))
        return
    page.cards.append((f"Alert {alert['id']}: {alert['monitor']} at "
                       f"{alert['slice_start']:%Y-%m-%d %H:%M} UTC", result.headline(label)))
    frame = result.to_frame()[["slice", "baseline", "value", "change_pct", "contribution",
                               "baseline_share", "share", "surprise", "explains"]]
    page.tables.append(Table("explanation", f"Why: {result.headline(label)} Baseline: "
                             f"{result.baseline}.", frame.head(20)))
