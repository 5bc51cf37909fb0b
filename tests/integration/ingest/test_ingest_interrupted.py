"""An interrupted or killed ingest leaves the warehouse exactly as it was."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from applens.ingest import ingest
from applens.workspace import Workspace


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """About 1.5 million rows: long enough to interrupt half-way."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    duckdb.sql(
        "COPY (SELECT TIMESTAMP '2024-06-01' + INTERVAL (i) SECOND AS ts, 'u' || (i % 5000) AS "
        "user_id, CASE WHEN i % 3 = 0 THEN 'like' ELSE 'view' END AS event, 'ios' AS os "
        f"FROM range(1500000) t(i)) TO '{path}' (HEADER)"
    )
    return path


def counts(ws):
    return ws.connection.execute("SELECT count(*), max(ingest_id) FROM ingests").fetchone(), \
        ws.connection.execute("SELECT count(*) FROM events").fetchone()


def test_ctrl_c_mid_ingest_rolls_everything_back(tmp_path, big_csv):
    ws = Workspace.init(tmp_path / "ws")
    ingest(ws, _small(tmp_path))
    before = counts(ws)
    interrupted = []

    def press_ctrl_c(label, fraction, estimate):
        if 0.05 < fraction < 0.45 and not interrupted:  # inside the insert pass
            interrupted.append(fraction)
            ws.connection.interrupt()  # what DuckDB's own Ctrl-C handler does

    with pytest.raises(KeyboardInterrupt):
        ingest(ws, big_csv, progress=press_ctrl_c)
    assert interrupted, "the ingest finished before it could be interrupted"
    assert counts(ws) == before
    assert ingest(ws, big_csv).rows_loaded == 1_500_000  # and re-running is safe


def test_killed_process_mid_ingest_leaves_the_warehouse_unchanged(tmp_path, big_csv):
    ws = Workspace.init(tmp_path / "ws")
    ingest(ws, _small(tmp_path))
    before = counts(ws)
    ws.close()
    marker = tmp_path / "started"
    script = textwrap.dedent(f"""
        import pathlib, time
        from applens.ingest import ingest
        from applens.workspace import Workspace
        def mark(label, fraction, estimate):
            if fraction > 0:
                pathlib.Path({str(marker)!r}).touch()
        ingest(Workspace({str(ws.path)!r}), {str(big_csv)!r}, progress=mark)
        pathlib.Path({str(marker)!r} + ".finished").touch()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the ingest never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "started.finished").exists()
    reopened = Workspace(ws.path)
    assert counts(reopened) == before


def _small(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("ts,user_id,event\n2024-06-01 10:00:00,u1,view\n2024-06-01 11:00:00,u2,like\n")
    return path
