"""A DuckDB ``fetchone()`` leaves its result open, and the next Ibis query on the same
connection then fails with "Resource In Use" (``con.sql`` does too; ``con.execute`` closes
it). Code that shares a connection with Ibis reads single rows with ``fetchall()[0]``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import ibis
import pytest

from tests.unit.access.test_access_parts import _warehouse

SRC = Path(__file__).resolve().parents[3] / "src" / "applens"


def test_a_fetchone_result_blocks_the_next_ibis_query():
    """The failure this guards against, on DuckDB itself (if a DuckDB release stops leaving
    the result open, this test says so and the rule below can go)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(10)")
    table = ibis.duckdb.from_connection(con).table("t")
    con.execute("SELECT count(*) FROM t").fetchone()
    with pytest.raises(duckdb.Error, match="Resource In Use|unfinished result"):
        table.count().execute()
    con.execute("SELECT count(*) FROM t").fetchall()[0]
    assert table.count().execute() == 10


def test_no_module_reads_a_row_with_fetchone():
    found = [f"{path.relative_to(SRC)}:{n}" for path in sorted(SRC.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\.fetchone\(\)", line)]
    assert found == [], f"use .fetchall()[0] instead of .fetchone() at {', '.join(found)}"


def test_ibis_runs_on_the_connection_after_an_access_answer():
    from applens.access import AccessData, cross_program

    con = _warehouse([("1", None, "web", "Ada", datetime(2020, 1, 1), datetime(2020, 3, 1)),
                      ("1", "a", None, None, None, None)])
    events = ibis.duckdb.from_connection(con).table("events")
    data = AccessData(con)
    assert events.count().execute() == 2
    cross_program(data)
    assert events.count().execute() == 2


def test_ibis_runs_on_the_workspace_after_explaining_an_unknown_monitors_alert(workspace):
    from applens.errors import NotFoundError
    from applens.monitor.state import ensure_tables
    from applens.monitor.why import explain_alert

    ensure_tables(workspace)
    workspace.connection.execute("INSERT INTO alerts (id, monitor, series, slice_start) "
                                 "VALUES ('a1', 'gone', 'all', TIMESTAMP '2026-10-01')")
    alerts = workspace.backend.table("alerts")  # the page's Ibis backend, already open
    assert alerts.count().execute() == 1
    with pytest.raises(NotFoundError, match="which applens.toml does not declare"):
        explain_alert(workspace, "a1")
    assert alerts.count().execute() == 1
