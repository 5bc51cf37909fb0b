"""The dashboard over the real monitor, models and scheduler (no stand-ins, no mocks)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient

from applens.web import create_app
from applens.web.schedule import Scheduler
from applens.workspace import Workspace

START = dt.datetime(2026, 11, 1)
DAYS = 8
OUTAGE = START + dt.timedelta(days=DAYS - 1, hours=13)  # 13:00 UTC on the last day
NOW = OUTAGE + dt.timedelta(hours=1, minutes=2)  # just after the outage hour ends
MONITORS = """
[monitors.traffic]
slice = "1h"
history = "7d"
catch_up = "1h"
min_volume = 20
"""


def _traffic() -> pd.DataFrame:
    """~200 events per hour (daily cycle) until the outage hour, which keeps 3 % of them."""
    rng = np.random.default_rng(7)
    slots = pd.date_range(START, OUTAGE + dt.timedelta(hours=1), freq="1h", inclusive="left")
    lam = 200 * (1 + 0.4 * np.sin(2 * np.pi * (slots.hour - 9) / 24))
    counts = rng.poisson(lam)
    counts[-1] = max(1, int(counts[-1] * 0.03))
    starts = np.repeat(slots.to_numpy(), counts)
    offsets = rng.integers(0, 3_600_000, counts.sum()).astype("timedelta64[ms]")
    # a few events just after the outage hour, so the warehouse watermark closes that slice
    starts = np.append(starts, [np.datetime64(OUTAGE + dt.timedelta(hours=1))] * 5)
    offsets = np.append(offsets, np.arange(5).astype("timedelta64[s]"))
    return pd.DataFrame({"ts": starts + offsets,
                         "user_id": rng.integers(0, 800, len(starts)).astype(str),
                         "event": "view", "os": "iOS"}).sort_values("ts", ignore_index=True)


@pytest.fixture
def monitored_ws(tmp_path: Path) -> Workspace:
    folder = tmp_path / "mon"
    Workspace.init(folder).close()
    with (folder / "applens.toml").open("a", encoding="utf-8") as toml:
        toml.write(MONITORS)
    ws = Workspace(folder, clock=lambda: NOW.replace(tzinfo=dt.UTC))
    ws.connection.register("_frame", _traffic())
    ws.connection.execute("CREATE TABLE events AS SELECT * FROM _frame")
    ws.connection.unregister("_frame")
    yield ws
    ws.close()


def _anomalies(ws: Workspace) -> dict:
    with TestClient(create_app(ws), raise_server_exceptions=False) as client:
        response = client.get("/api/pages/anomalies", params={"date_from": "2026-11-01",
                                                              "date_to": "2026-11-08"})
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_anomalies_page_shows_an_alert_from_a_real_monitor_run(monitored_ws):
    from applens.monitor import run_once

    before = _anomalies(monitored_ws)
    assert not before["tables"] and "applens monitor --once" in str(before["empty"])
    run = run_once(monitored_ws, now=NOW, sleep=lambda s: None)
    assert [n.kind for n in run.notices] == ["opened"], run
    data = _anomalies(monitored_ws)
    (table,) = data["tables"]
    (alert,) = table["rows"]
    assert alert["monitor"] == "traffic" and alert["slice_start"].startswith("2026-11-08T13")
    charts = {c["id"]: c for c in data["charts"]}
    assert charts["alert_timeline"]["spec"]["$schema"].startswith("https://vega.github.io")
    hourly = charts["events_hourly"]["spec"]
    marked = [row for row in hourly["datasets"].values() for row in row if row.get("anomalous")]
    assert [r["slice_start"][:13] for r in marked] == ["2026-11-08T13"]


def test_a_scheduler_tick_runs_the_real_monitor(monitored_ws):
    from applens.monitor import alert_history, run_once

    scheduler = Scheduler(monitored_ws, threading.RLock(), say=lambda m: None)
    assert scheduler.monitor is run_once
    scheduler.build_digest = scheduler.send_digest = None  # only the monitor here
    scheduler.run_due(NOW.replace(tzinfo=dt.UTC))
    history = alert_history(monitored_ws)
    assert list(history["monitor"]) == ["traffic"]


@pytest.fixture(scope="module")
def trained_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small demo workspace with the personas model trained and scored."""
    from applens import models
    from applens.demo.job import run_demo

    folder = tmp_path_factory.mktemp("web-models")
    run_demo(folder, users=200, days=21, seed=5, end_date=dt.date(2026, 11, 22))
    ws = Workspace.open(folder)
    models.train(ws, "personas")
    models.predict(ws, "personas")
    yield ws
    ws.close()


def test_models_page_shows_scores_after_train_and_predict(trained_ws):
    from applens import models

    scores = models.latest_scores(trained_ws, "personas")
    assert len(scores)
    with TestClient(create_app(trained_ws), raise_server_exceptions=False) as client:
        data = client.get("/api/pages/models").json()
        charts = {c["id"]: c for c in data["charts"]}
        assert charts["personas_scores"]["spec"] is not None
        assert sum(r["users"] for r in charts["personas_scores"]["data"]) == len(scores)
        tables = {t["id"]: t for t in data["tables"]}
        top = tables["personas_top"]["rows"]
        assert top[0]["entity_id"] == scores.iloc[0]["entity_id"]
        csv = client.get("/page/models/personas_top.csv")
        assert csv.status_code == 200 and str(scores.iloc[0]["entity_id"]) in csv.text
