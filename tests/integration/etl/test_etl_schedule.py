"""``applens serve --schedule`` runs the declared ETL jobs: at start (yesterday) and at each
job's cron slot; once on an injected clock, once as a real server process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from applens.ingest import ingest
from applens.web.schedule import Scheduler
from applens.workspace import Workspace
from tests.integration.etl.conftest import PG_URL, job_toml, pg_rows

SMALL = dict(metrics='["dau", "count:view"]', dims='["os"]')


def test_the_scheduler_runs_etl_at_start_and_at_its_slot(demo_ws):
    folder, declare = demo_ws
    declare(job_toml("daily", **SMALL, extra='schedule = "30 2 * * *"'))
    clock = {"now": dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)}
    with Workspace(folder, clock=lambda: clock["now"]) as ws:
        scheduler = Scheduler(ws, threading.RLock(), say=lambda m: None)
        scheduler.monitor = scheduler.build_digest = None  # the ETL job alone here
        wake = scheduler.run_due(clock["now"])
        days = ws.connection.execute("SELECT DISTINCT date FROM etl_daily").fetchall()
        assert days == [(dt.date(2026, 11, 19),)]  # at start: yesterday
        assert wake == dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
        clock["now"] = wake
        scheduler.run_due(wake)
        days = ws.connection.execute("SELECT DISTINCT date FROM etl_daily ORDER BY 1").fetchall()
        assert days == [(dt.date(2026, 11, 19),), (dt.date(2026, 11, 20),)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.db
def test_serve_schedule_writes_yesterdays_rows(tmp_path, pg_clean):
    """A real ``applens serve --schedule`` process on the real clock: yesterday's rows appear
    in PostgreSQL (the warehouse is the server's while it runs)."""
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    rows = [{"ts": f"{day} 10:{i:02d}:00", "user_id": f"u{i}", "event": "view",
             "os": "iOS" if i % 3 else "Android"}
            for day in (yesterday - dt.timedelta(days=1), yesterday) for i in range(30)]
    pd.DataFrame(rows).to_csv(tmp_path / "e.csv", index=False)
    folder = tmp_path / "ws"
    with Workspace.init(folder) as ws:
        ingest(ws, str(tmp_path / "e.csv"))
    with (folder / "applens.toml").open("a") as handle:
        handle.write("\n" + job_toml("daily", PG_URL, table=pg_clean, **SMALL))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "applens", "serve", "--schedule", "--port",
                             str(_free_port()), "-w", str(folder)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        found: list[tuple] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None and not found:
            time.sleep(0.5)
            try:
                found = pg_rows(f"SELECT dimension, dimension_value, metric_value FROM {pg_clean}"
                                " WHERE metric = 'dau' AND date = %s ORDER BY 1, 2", (yesterday,))
            except psycopg.errors.UndefinedTable:
                continue
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert found == [("all", "all", 30.0), ("os", "Android", 10.0), ("os", "iOS", 20.0)]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
