"""An alert keeps its monitor's unit in the workspace's state: a share reads as a
percentage in `applens monitor history` and on the dashboard even when the monitor was
passed inline (as the demo does) and is in no applens.toml; a workspace whose alerts
table predates the unit column gains it on open and reads its old rows as plain numbers."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from applens.formatting import number, percent
from applens.monitor import alert_history, readable_alerts, run_once
from applens.web import create_app
from applens.workspace import Workspace
from tests.integration.monitor.test_monitor_tickets import (
    RELEASE_DAY,
    SHORT_DAYS,
    START,
    _load,
    short_month,
)

INLINE = {"complaints": {"tickets": "negative_share", "dimensions": ["app_version"],
                         "direction": "spike"}}


def _inline_alerted(bench):
    """A workspace with no [monitors] whose inline complaints monitor opened one alert."""
    b = bench()
    _load(b, *short_month(buggy=True))
    for day in range(1, SHORT_DAYS + 1):
        run_once(b.ws, now=START + timedelta(days=day, minutes=5), monitors=INLINE,
                 sleep=lambda s: None)
    history = alert_history(b.ws)
    assert history["series"].tolist() == ["app_version=5.0.0"]
    assert not b.ws.settings.monitors  # the unit cannot come from the config
    return b, history.iloc[0]


def test_an_inline_share_monitor_alert_reads_as_a_percentage_in_the_cli(bench, run_cli,
                                                                         monkeypatch):
    b, alert = _inline_alerted(bench)
    assert alert["unit"] == "share" and 0.4 < alert["value"] < 1
    b.ws.close()
    import applens.workspace as workspace_module

    now = (START + timedelta(days=SHORT_DAYS)).replace(tzinfo=UTC)
    monkeypatch.setattr(workspace_module, "_system_clock", lambda: now)
    shown = run_cli("monitor", "-w", b.folder, "history", "--since", "30d")
    assert shown.exit_code == 0, shown.stderr
    assert percent(alert["value"]) in shown.stdout and percent(alert["expected"]) in shown.stdout
    assert number(alert["value"]) not in shown.stdout  # 0.59 would be the old plain reading
    raw = run_cli("monitor", "-w", b.folder, "history", "--since", "30d", "--format", "csv")
    assert raw.exit_code == 0 and "%" not in raw.stdout  # machine formats keep the numbers


def test_an_inline_share_monitor_alert_reads_as_a_percentage_on_the_dashboard(bench):
    b, alert = _inline_alerted(bench)
    day = (START + timedelta(days=RELEASE_DAY)).date()
    query = {"date_from": str(day - timedelta(days=1)), "date_to": str(day + timedelta(days=7))}
    with TestClient(create_app(b.ws)) as client:
        data = client.get("/api/pages/anomalies", params=query).json()
        (row,) = {t["id"]: t for t in data["tables"]}["alerts"]["rows"]
        assert (row["value"], row["expected"]) == (percent(alert["value"]),
                                                   percent(alert["expected"]))
        assert "unit" not in row
        page = client.get("/page/anomalies", params=query)
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
        assert percent(alert["value"]) in text


def test_a_workspace_made_before_alert_units_gains_the_column_and_reads_plain(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.connection.execute(  # the alerts table as it was before units were kept
        "CREATE TABLE alerts (id VARCHAR PRIMARY KEY, monitor VARCHAR, series VARCHAR, "
        "slice_start TIMESTAMP, last_slice TIMESTAMP, status VARCHAR, direction VARCHAR, "
        "value DOUBLE, expected DOUBLE, lower DOUBLE, upper DOUBLE, deviation_pct DOUBLE, "
        "score DOUBLE, worst_deviation_pct DOUBLE, notified_slice TIMESTAMP, "
        "notified_deviation_pct DOUBLE, normal_streak INTEGER, opened_at TIMESTAMP, "
        "resolved_at TIMESTAMP, confirmations INTEGER)")
    at = datetime(2026, 10, 5)
    ws.connection.execute(
        "INSERT INTO alerts VALUES ('old|all|x', 'old', 'all', ?, ?, 'open', 'spike', 0.59, "
        "0.15, 0.1, 0.2, 293.3, 0.9, 293.3, ?, 293.3, 0, ?, NULL, 1)", [at, at, at, at])
    ws.close()
    ws = Workspace(tmp_path / "ws")
    try:
        history = alert_history(ws)
        assert history["unit"].isna().all() and history["value"].tolist() == [0.59]
        assert readable_alerts(ws, history)["value"].tolist() == [number(0.59)]
        columns = [r[0] for r in ws.connection.execute("DESCRIBE alerts").fetchall()]
        assert columns[-1] == "unit"
    finally:
        ws.close()
