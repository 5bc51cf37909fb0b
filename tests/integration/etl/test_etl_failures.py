"""Bad input and failures: one-line errors, nothing half-written, and the next run works.

Failures are real: a PostgreSQL trigger that raises mid-insert, a DuckDB CHECK constraint,
a port nobody listens on, a table with other columns.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from applens import etl
from applens.errors import SchemaError, SourceError
from applens.ingest import ingest
from applens.workspace import Workspace
from tests.integration.etl.conftest import DAY, PG_URL, job_toml, pg_rows

SMALL = dict(metrics='["dau", "count:view", "ratio:like/view"]', dims='["os", "person.gender"]')


def one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.mark.parametrize(("job", "needle"), [
    (job_toml("bad", metrics='["dua"]', dims='["os"]'), "Did you mean 'dau'?"),
    (job_toml("bad", metrics='["count:vieww"]', dims='["os"]'), "Did you mean 'view'?"),
    (job_toml("bad", metrics='["dau"]', dims='["oss"]'), "Did you mean 'os'?"),
    (job_toml("bad", metrics='["dau"]', dims='["person.gendr"]'), "person.gender"),
    (job_toml("bad", "oracle://x/y", metrics='["dau"]', dims="[]"), "is not a target"),
])
def test_unknown_metric_dimension_or_target_is_one_line(run_cli, demo_ws, job, needle):
    folder, declare = demo_ws
    declare(job)
    one_line_error(run_cli("etl", "run", "bad", "--date", str(DAY), "-w", folder), needle)
    with Workspace(folder) as ws:
        assert not ws.has_table("etl_bad")  # nothing was created


def test_a_date_without_data_is_one_line_and_writes_nothing(run_cli, demo_ws):
    folder, declare = demo_ws
    declare(job_toml("daily", **SMALL))
    one_line_error(run_cli("etl", "run", "daily", "--date", "2026-12-24", "-w", folder),
                   "No events on 2026-12-24", "the data covers 2026-11-01 to 2026-11-21")
    with Workspace(folder) as ws:
        assert not ws.has_table("etl_daily")


def test_a_table_with_other_columns_is_refused_and_left_alone(run_cli, demo_ws):
    folder, declare = demo_ws
    declare(job_toml("daily", **SMALL))
    with Workspace(folder) as ws:
        ws.connection.execute("CREATE TABLE etl_daily (day DATE, metric VARCHAR, n DOUBLE)")
        ws.connection.execute("INSERT INTO etl_daily VALUES ('2026-11-20', 'dau', 1)")
        with pytest.raises(SchemaError, match="has columns \\(day, metric, n\\)"):
            etl.run_date(ws, "daily", DAY)
    one_line_error(run_cli("etl", "run", "daily", "--date", str(DAY), "-w", folder),
                   "table 'etl_daily' has columns")
    with Workspace(folder) as ws:
        assert ws.connection.execute("SELECT * FROM etl_daily").fetchall() == [
            (dt.date(2026, 11, 20), "dau", 1.0)]


@pytest.mark.db
def test_a_server_that_is_down_is_one_line(run_cli, demo_ws):
    folder, declare = demo_ws
    declare(job_toml("daily", "postgresql://postgres@127.0.0.1:1/test", **SMALL))
    one_line_error(run_cli("etl", "run", "daily", "--date", str(DAY), "-w", folder),
                   "Cannot connect to the ETL target postgresql://postgres@127.0.0.1:1/test")
    declare(job_toml("mdown", "mysql://root@127.0.0.1:1/test", **SMALL))
    one_line_error(run_cli("etl", "run", "mdown", "--date", str(DAY), "-w", folder),
                   "Cannot connect to the ETL target mysql://root@127.0.0.1:1/test")


def _late_events(tmp_path, day: dt.date, os: str, n: int) -> str:
    path = tmp_path / f"late-{os}.csv"
    pd.DataFrame({"ts": [f"{day} 12:00:{i % 60:02d}" for i in range(n)],
                  "user_id": [f"late{i}" for i in range(n)], "event": "view",
                  "os": os}).to_csv(path, index=False)
    return str(path)


def test_late_data_rerun_replaces_the_date_without_duplicates(demo_ws, tmp_path):
    folder, declare = demo_ws
    declare(job_toml("daily", **SMALL))
    with Workspace(folder) as ws:
        first = etl.run_date(ws, "daily", DAY)
        other = etl.run_date(ws, "daily", DAY - dt.timedelta(days=1))
        ingest(ws, _late_events(tmp_path, DAY, "Android", 40))
        again = etl.run_date(ws, "daily", DAY)
        assert again.rows > first.rows  # the late users have no person row: gender (none)
        rows = ws.connection.execute(
            "SELECT date, count(*), count(DISTINCT (metric, dimension, dimension_value)) "
            "FROM etl_daily GROUP BY 1 ORDER BY 1").fetchall()
        assert rows == [(DAY - dt.timedelta(days=1), other.rows, other.rows),
                        (DAY, again.rows, again.rows)]
        views = ws.connection.execute(
            "SELECT metric_value FROM etl_daily WHERE metric = 'count:view' AND "
            "dimension = 'os' AND dimension_value = 'Android' AND date = ?", [DAY]).fetchone()[0]
        direct = ws.connection.execute(
            "SELECT count(*) FROM events WHERE event = 'view' AND os = 'Android' AND ts >= ? "
            "AND ts < ?", [DAY, DAY + dt.timedelta(days=1)]).fetchone()[0]
        assert views == direct  # the 40 late views are in


def test_a_failed_warehouse_write_rolls_back_and_the_next_run_works(demo_ws, tmp_path):
    """A CHECK constraint rejects one row of the rerun: the whole date stays as it was."""
    folder, declare = demo_ws
    declare(job_toml("daily", **SMALL))
    with Workspace(folder) as ws:
        etl.run_date(ws, "daily", DAY)
        con = ws.connection
        con.execute("CREATE TABLE guarded AS SELECT * FROM etl_daily")
        con.execute("DROP TABLE etl_daily")
        con.execute("CREATE TABLE etl_daily (date DATE, hour SMALLINT, job VARCHAR, "
                    "metric VARCHAR, dimension VARCHAR, dimension_value VARCHAR "
                    "CHECK (dimension_value <> 'Symbian'), metric_value DOUBLE, "
                    "computed_at TIMESTAMP)")
        con.execute("INSERT INTO etl_daily SELECT * FROM guarded")
        before = con.execute("SELECT * FROM etl_daily ORDER BY ALL").fetchall()
        runs = con.execute("SELECT * FROM etl_daily_runs").fetchall()
        ingest(ws, _late_events(tmp_path, DAY, "Symbian", 3))
        with pytest.raises(SourceError, match="writing 2026-11-20 failed"):
            etl.run_date(ws, "daily", DAY)
        assert con.execute("SELECT * FROM etl_daily ORDER BY ALL").fetchall() == before
        assert con.execute("SELECT * FROM etl_daily_runs").fetchall() == runs
        con.execute("DROP TABLE etl_daily")
        con.execute("ALTER TABLE guarded RENAME TO etl_daily")
        done = etl.run_date(ws, "daily", DAY)
        assert con.execute("SELECT count(*) FROM etl_daily").fetchone()[0] == done.rows
        assert con.execute("SELECT count(*) FROM etl_daily WHERE dimension_value = 'Symbian'"
                           ).fetchone()[0] == 3  # dau, count:view, ratio for os=Symbian


POISON = """CREATE FUNCTION {t}_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.dimension_value = 'Android' AND NEW.date = DATE '{day}' THEN
    RAISE EXCEPTION 'poisoned row for %', NEW.date;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {t}_poison BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_poison();"""


def _poison(table: str, day: dt.date) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(POISON.format(t=table, day=day))


def _cure(table: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP TRIGGER {table}_poison ON {table}")
        conn.execute(f"DROP FUNCTION {table}_poison()")


@pytest.mark.db
def test_a_failure_mid_insert_on_postgresql_leaves_the_date_unchanged(demo_ws, pg_clean):
    folder, declare = demo_ws
    declare(job_toml("daily", PG_URL, table=pg_clean, **SMALL))
    clock = {"now": dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)}
    with Workspace(folder, clock=lambda: clock["now"]) as ws:
        etl.run_date(ws, "daily", DAY)
        before = pg_rows(f"SELECT * FROM {pg_clean} ORDER BY 1, 2, 3, 4, 5, 6")
        _poison(pg_clean, DAY)
        clock["now"] += dt.timedelta(hours=1)
        with pytest.raises(SourceError, match="poisoned row for 2026-11-20"):
            etl.run_date(ws, "daily", DAY)
        assert pg_rows(f"SELECT * FROM {pg_clean} ORDER BY 1, 2, 3, 4, 5, 6") == before
        _cure(pg_clean)
        etl.run_date(ws, "daily", DAY)
        after = pg_rows(f"SELECT DISTINCT computed_at FROM {pg_clean}")
        assert after == [(dt.datetime(2026, 11, 21, 4, 0),)]
        assert pg_rows(f"SELECT count(*) FROM {pg_clean}") == [(len(before),)]


@pytest.mark.db
def test_an_interrupted_backfill_resumes_where_it_stopped(run_cli, demo_ws, pg_clean):
    folder, declare = demo_ws
    declare(job_toml("daily", PG_URL, table=pg_clean, **SMALL))
    first, bad, last = dt.date(2026, 11, 15), dt.date(2026, 11, 17), dt.date(2026, 11, 18)
    with Workspace(folder) as ws:  # the table exists before the trigger goes on it
        job = etl.get_job(ws, "daily")
        target = etl.open_target(ws, job)
        target.ensure(job)
        target.close()
    _poison(pg_clean, bad)
    result = run_cli("etl", "run", "daily", "--from", first, "--to", last, "-w", folder)
    one_line_error(result, "poisoned row for 2026-11-17")
    done = pg_rows(f"SELECT date FROM {pg_clean}_runs ORDER BY 1")
    assert done == [(dt.date(2026, 11, 15),), (dt.date(2026, 11, 16),)]
    assert pg_rows(f"SELECT DISTINCT date FROM {pg_clean} ORDER BY 1") == done
    _cure(pg_clean)
    result = run_cli("etl", "run", "daily", "--from", first, "--to", last, "-w", folder)
    assert result.exit_code == 0, result.stderr
    assert "2 dates already done, skipped" in result.stdout
    assert "daily 2026-11-17:" in result.stdout and "daily 2026-11-18:" in result.stdout
    assert "daily 2026-11-15:" not in result.stdout
    assert len(pg_rows(f"SELECT date FROM {pg_clean}_runs")) == 4
    counts = pg_rows(f"SELECT date, count(*) FROM {pg_clean} GROUP BY 1 ORDER BY 1")
    assert [d for d, _ in counts] == [first + dt.timedelta(days=k) for k in range(4)]


@pytest.mark.db
def test_a_killed_backfill_leaves_whole_dates_and_resumes(demo_ws, pg_clean):
    """SIGKILL in the middle of a real backfill process: every date in the table is whole
    and recorded, and the next backfill does only the rest."""
    folder, declare = demo_ws
    declare(job_toml("daily", PG_URL, table=pg_clean, **SMALL))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")}
    args = [sys.executable, "-m", "applens", "etl", "run", "daily", "--from", "2026-11-01",
            "--to", "2026-11-21", "-w", str(folder)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    done: list[tuple] = []
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            done = pg_rows(f"SELECT date FROM {pg_clean}_runs")
        except psycopg.errors.UndefinedTable:
            continue
        if len(done) >= 2:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the backfill ended before it was killed"
    recorded = dict(pg_rows(f"SELECT date, row_count FROM {pg_clean}_runs"))
    assert 2 <= len(recorded) < 21
    present = dict(pg_rows(f"SELECT date, count(*) FROM {pg_clean} GROUP BY 1"))
    assert present == recorded  # no date half-written, none written but unrecorded
    with Workspace(folder) as ws:
        result = etl.backfill(ws, "daily", dt.date(2026, 11, 1), dt.date(2026, 11, 21))
    assert set(result.skipped) == set(recorded)
    assert len(result.done) == 21 - len(recorded)
    assert len(pg_rows(f"SELECT date FROM {pg_clean}_runs")) == 21
