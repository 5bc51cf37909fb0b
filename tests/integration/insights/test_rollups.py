"""Rollups kept at ingest: exact, in the ingest's transaction, verified, and read by the planner.

A real workspace (DuckDB file) in Berlin time with a DST change inside the data; every spec
the rollups can answer is answered both ways and must be identical.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from applens.errors import QueryError
from applens.ingest import ingest
from applens.insights import query, rollup_verify, rollups
from applens.workspace import Workspace

TZ = "Europe/Berlin"  # DST starts 2024-03-31
RANGE = {"date_from": "2024-03-25", "date_to": "2024-04-08"}

ROLLUP_SPECS = {
    "active_users_day": {"kind": "active_users",
                         "math": ["total", "dau", "wau", "mau", "per_user_avg"], **RANGE},
    "active_users_week_event": {"kind": "active_users", "math": ["dau", "wau", "mau", "total"],
                                "interval": "week", "event": "view", **RANGE},
    "active_users_month": {"kind": "active_users", "math": ["dau", "mau"], "interval": "month",
                           "date_from": "2024-03-01", "date_to": "2024-04-30"},
    "stickiness": {"kind": "stickiness", **RANGE},
    "stickiness_weekly_criteria": {"kind": "stickiness", "interval": "week",
                                   "criteria": {"operator": "gte", "value": 3},
                                   "cumulative": True, **RANGE},
    "stickiness_pairs_exact": {"kind": "stickiness", "interval_count": 2,
                               "criteria": {"operator": "exact", "value": 1}, **RANGE},
    # one event's rows come from its day masks (which days, not how many events)
    "stickiness_pairs_event": {"kind": "stickiness", "interval_count": 2, "event": "click",
                               **RANGE},
    "active_users_day_event": {"kind": "active_users", "event": "buy",
                               "math": ["total", "dau", "wau", "mau", "per_user_avg"], **RANGE},
    "lifecycle_daily": {"kind": "lifecycle", "event": "view", **RANGE},
    "lifecycle_weekly_monday": {"kind": "lifecycle", "interval": "week",
                                "week_start": "monday", **RANGE},
    "trends_ctr_monthly": {"kind": "trends", "interval": "month",
                           "series": [{"event": "click"}, {"event": "view", "math": "dau"},
                                      {"event": None, "math": "mau"}],
                           "formula": "A / B", "date_from": "2024-03-01",
                           "date_to": "2024-04-30"},
    "retention_daily": {"kind": "retention", "total_intervals": 8, **RANGE},
    "retention_daily_returning_min_occurrences": {
        "kind": "retention", "total_intervals": 6, "target": {"event": "buy"},
        "minimum_occurrences": 2, "returning": {"event": None}, **RANGE},
    "retention_first_time_cumulative": {
        "kind": "retention", "retention_type": "first_time", "cumulative": True,
        "total_intervals": 5, "target": {"event": "buy"}, "returning": {"event": "click"},
        **RANGE},
    "retention_weekly_sunday": {"kind": "retention", "interval": "week", "total_intervals": 3,
                                **RANGE},
    "retention_weekly_monday_cumulative": {"kind": "retention", "interval": "week",
                                           "week_start": "monday", "cumulative": True,
                                           "total_intervals": 3, **RANGE},
    "trends_weekly_dau": {"kind": "trends", "interval": "week",
                          "series": [{"event": None, "math": "dau"}, {"event": None}], **RANGE},
    "retention_first_ever_weekly": {"kind": "retention", "retention_type": "first_ever",
                                    "interval": "week", "total_intervals": 3, **RANGE},
    "retention_date_to_only": {"kind": "retention", "total_intervals": 5,
                               "date_to": "2024-04-02"},
    # recurring grids count per-user bitmasks (cumulative too); first_time grids and ranges
    # past the mask's 128 periods join starts to returns
    "retention_first_time_daily": {"kind": "retention", "retention_type": "first_time",
                                   "total_intervals": 7, "returning": {"event": "view"},
                                   **RANGE},
    "retention_recurring_cumulative": {"kind": "retention", "cumulative": True,
                                       "total_intervals": 6, "event": "view", **RANGE},
    "retention_daily_past_the_mask": {"kind": "retention", "total_intervals": 4,
                                      "date_from": "2024-01-01", "date_to": "2024-05-20"},
    "retention_first_time_event": {"kind": "retention", "retention_type": "first_time",
                                   "total_intervals": 6, "target": {"event": "buy"}, **RANGE},
    "retention_weekly_event": {"kind": "retention", "interval": "week", "total_intervals": 3,
                               "event": "click", **RANGE},
    # any-event stickiness, lifecycle and retention read the day bitmasks at every interval
    "stickiness_grouped_cumulative": {"kind": "stickiness", "interval_count": 3,
                                      "cumulative": True, **RANGE},
    "stickiness_weekly": {"kind": "stickiness", "interval": "week", **RANGE},
    "lifecycle_daily_any_event": {"kind": "lifecycle", **RANGE},
    "lifecycle_monthly": {"kind": "lifecycle", "interval": "month",
                          "date_from": "2024-03-01", "date_to": "2024-04-30"},
    "retention_monthly": {"kind": "retention", "interval": "month", "total_intervals": 2,
                          "date_from": "2024-03-01", "date_to": "2024-04-30"},
    # any event's first_time / first_ever cohorts: each user's first active day ever
    "retention_first_time_any_event": {"kind": "retention", "retention_type": "first_time",
                                       "total_intervals": 7, **RANGE},
    "retention_first_ever_any_event_cumulative": {
        "kind": "retention", "retention_type": "first_ever", "cumulative": True,
        "total_intervals": 6, **RANGE},
    "retention_daily_cumulative": {"kind": "retention", "cumulative": True,
                                   "total_intervals": 8, **RANGE},
    # minimum occurrences count events per period: the per-week rows, not the masks
    "retention_weekly_min_occurrences": {"kind": "retention", "interval": "week",
                                         "week_start": "monday", "minimum_occurrences": 2,
                                         "total_intervals": 3, **RANGE},
}
MASKED = ["stickiness", "stickiness_grouped_cumulative", "stickiness_weekly",
          "lifecycle_daily_any_event", "lifecycle_weekly_monday", "lifecycle_monthly",
          "retention_daily", "retention_weekly_sunday", "retention_monthly",
          "retention_date_to_only", "retention_daily_past_the_mask",
          "retention_first_ever_weekly", "retention_first_time_any_event",
          "retention_first_ever_any_event_cumulative", "retention_daily_cumulative",
          "retention_weekly_monday_cumulative"]
# one event name's masks (its days, where the answer needs no counts)
MASKED_EVENT = ["stickiness_pairs_event", "retention_recurring_cumulative",
                "retention_first_time_event", "retention_weekly_event"]
SCAN_SPECS = {
    "breakdown": ({"kind": "active_users", "math": ["dau"], "breakdown": {"property": "os"},
                   **RANGE}, "breakdown"),
    "breakdown_trends_total": ({"kind": "trends", "series": [{"event": "view"}],
                                "breakdown": {"property": "os"}, **RANGE},
                               "ranks its values by distinct users"),
    "filter": ({"kind": "stickiness", "properties": [{"key": "os", "value": ["ios"]}],
                **RANGE}, "property filters"),
    "hour": ({"kind": "active_users", "interval": "hour", "date_from": "2024-03-31T00:00",
              "date_to": "2024-03-31T05:00"}, "hour interval"),
    "timezone": ({"kind": "lifecycle", "timezone": "UTC", **RANGE}, "asks for UTC"),
    "where": ({"kind": "active_users", "where": "os = 'ios'", **RANGE}, "'where'"),
    "funnel": ({"kind": "funnel", "steps": [{"event": "view"}, {"event": "click"}], **RANGE},
               "order of events"),
    "retention_24h": ({"kind": "retention", "time_window_mode": "24_hour_windows", **RANGE},
                      "24-hour windows"),
    "retention_filtered": ({"kind": "retention", "target": {
        "event": "view", "properties": [{"key": "os", "value": ["ios"]}]}, **RANGE},
        "start or return event filters"),
    "sessions": ({"kind": "active_users", "math": ["unique_sessions"], **RANGE},
                 "unique_sessions"),
    "event_criteria": ({"kind": "stickiness", "interval_count": 2, "event": "click",
                        "criteria": {"operator": "exact", "value": 1}, **RANGE},
                       "keep which days a user did it, not how often"),
    "event_min_occurrences": ({"kind": "retention", "total_intervals": 6,
                               "target": {"event": "buy"}, "returning": {"event": "view"},
                               "minimum_occurrences": 2, **RANGE},
                              "keep which days a user did it, not how often"),
}


def _events(seed: int, n: int, start: str, days: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days * 86400, n), unit="s")
    return pd.DataFrame({
        "ts": ts.strftime("%Y-%m-%d %H:%M:%S"),
        "user_id": [f"u{i}" for i in rng.integers(0, 400, n)],
        "event": rng.choice(["view", "click", "buy"], n, p=[0.5, 0.35, 0.15]),
        "os": rng.choice(["ios", "android", "web", ""], n),
    }).sort_values("ts", ignore_index=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rollups")
    first = folder / "march.csv"
    _events(3, 2500, "2024-03-01", 33).to_csv(first, index=False)  # to 04-03
    second = folder / "april.csv"
    _events(4, 1500, "2024-04-01", 30).to_csv(second, index=False)  # overlaps 04-01..04-03
    return first, second


@pytest.fixture(scope="module")
def ws(tmp_path_factory, files):
    workspace = Workspace.init(tmp_path_factory.mktemp("ws") / "ws", timezone=TZ)
    for path in files:
        assert ingest(workspace, path).rows_loaded > 0
    yield workspace
    workspace.close()


def test_rollups_are_kept_by_each_ingest_and_match_a_rebuild(ws):
    con = ws.connection
    for table in ("rollup_user_mask", "rollup_user_day", "rollup_first_seen"):
        # users by id: a rebuild numbers them afresh (in id order, not arrival order)
        # event names by their number too (rollup_events)
        named = (f"SELECT u.user_id, r.* EXCLUDE (uid) FROM {table} r JOIN rollup_users u "
                 "USING (uid)")
        con.execute(f"CREATE OR REPLACE TEMP VIEW named_{table[7:]} AS {named}")
    # each event's days, from its masks (a row per set bit)
    # each event's days, from its masks (a row per set bit; names joined to the expanded
    # rows: joined before the expansion, DuckDB 2.0.0 failed on a dictionary cache)
    con.execute("CREATE OR REPLACE TEMP VIEW named_event_days AS SELECT user_id, x.event, day "
                "FROM (SELECT user_id, e, DATE '1970-01-01' + CAST(blk * 64 + i AS INTEGER) "
                "AS day FROM named_user_mask, range(64) r(i) WHERE (mask >> CAST(i AS UBIGINT)) "
                "& CAST(1 AS UBIGINT) = 1 AND e > 0) JOIN rollup_events x USING (e)")
    day_event = ("SELECT day, x.event, sum(n) FROM rollup_day_event JOIN rollup_events x "
                 "USING (e) GROUP BY ALL ORDER BY ALL")
    meta = rollups.read_meta(con)
    assert meta is not None and meta.timezone == TZ and meta.properties == (
        "os", "country", "app_version", "source")  # declared, and columns of events
    # The two ingests overlap on three days: those blocks have two mask rows per key.
    incremental = con.execute("SELECT DISTINCT user_id, day, event FROM named_event_days "
                              "ORDER BY ALL").fetchall()
    assert con.execute("SELECT count(*) FROM named_event_days").fetchall()[0][0] > len(
        incremental)
    local = rollups.local_day_sql(con, TZ, "true")
    assert incremental == con.execute(f"SELECT DISTINCT user_id, {local} AS day, event FROM "
                                      "events ORDER BY ALL").fetchall()
    per_event = con.execute(day_event).fetchall()
    per_day = con.execute("SELECT user_id, day, sum(n) FROM named_user_day GROUP BY ALL "
                          "ORDER BY ALL").fetchall()
    assert con.execute("SELECT count(*) FROM named_user_day").fetchall()[0][0] == len(
        per_day)  # the shared days were merged: one row per (user, day)
    assert sum(r[2] for r in per_event) == con.execute(
        "SELECT count(*) FROM events").fetchall()[0][0]
    slices = con.execute("SELECT day, event, property, value, sum(n) FROM rollup_slices "
                         "GROUP BY ALL ORDER BY ALL").fetchall()
    first = con.execute("SELECT user_id, min(first_day) FROM named_first_seen GROUP BY 1 "
                        "ORDER BY 1").fetchall()
    runs_sql = "SELECT a, z, sum(n) FROM rollup_runs GROUP BY ALL HAVING sum(n) <> 0 ORDER BY ALL"
    runs = con.execute(runs_sql).fetchall()  # the second ingest changed runs of the first
    assert con.execute("SELECT count(*) FROM rollup_runs WHERE n < 0").fetchall()[0][0] > 0
    per_day_users = con.execute("SELECT * FROM rollup_day ORDER BY day").fetchall()
    rollups.rebuild(con, timezone=TZ, properties=ws.settings.rollup_properties)
    assert con.execute("SELECT user_id, day, event FROM named_event_days "
                       "ORDER BY ALL").fetchall() == incremental  # compacted: one bit each
    assert con.execute(day_event).fetchall() == per_event
    assert con.execute("SELECT user_id, day, n FROM named_user_day ORDER BY ALL"
                       ).fetchall() == per_day
    assert con.execute("SELECT day, event, property, value, n FROM rollup_slices "
                       "ORDER BY ALL").fetchall() == slices
    assert con.execute("SELECT user_id, first_day FROM named_first_seen ORDER BY 1"
                       ).fetchall() == first
    assert con.execute(runs_sql).fetchall() == runs
    assert con.execute("SELECT * FROM rollup_day ORDER BY day").fetchall() == per_day_users
    # Local days, not UTC days: 2024-03-31 22:30 UTC is April 1st in Berlin (UTC+2).
    row = con.execute("SELECT user_id, ts FROM events WHERE ts >= TIMESTAMP '2024-03-31 22:00' "
                      "AND ts < TIMESTAMP '2024-03-31 23:59' LIMIT 1").fetchall()[0]
    days = [r[0] for r in con.execute("SELECT DISTINCT day FROM named_user_day WHERE "
                                      "user_id = ? AND day >= DATE '2024-03-31' AND day <= "
                                      "DATE '2024-04-01'", [row[0]]).fetchall()]
    assert date(2024, 4, 1) in days


@pytest.mark.parametrize("name", list(ROLLUP_SPECS))
def test_rollup_answers_equal_the_scan(ws, name):
    spec = ROLLUP_SPECS[name]
    scanned = query(spec, ws, path="scan")
    rolled = query(spec, ws)
    assert rolled.plan["path"] == "rollup", rolled.plan
    assert scanned.plan["path"] == "scan"
    assert json.dumps(rolled.to_dict()) == json.dumps(scanned.to_dict())  # order too
    assert rolled.notes == scanned.notes


def test_answers_are_not_trivial(ws):
    au = query(ROLLUP_SPECS["active_users_day"], ws).to_dict()
    assert all(d > 0 for d in au["dau"]) and au["mau"][0] > au["wau"][0] > au["dau"][0]
    life = query(ROLLUP_SPECS["lifecycle_weekly_monday"], ws).to_dict()
    assert any(life["dormant"]) and any(life["resurrecting"])


@pytest.mark.parametrize("name", list(SCAN_SPECS))
def test_specs_the_rollups_cannot_answer_scan_and_say_why(ws, name):
    spec, why = SCAN_SPECS[name]
    result = query(spec, ws)
    assert result.plan["path"] == "scan" and why in result.plan["why"], result.plan
    with pytest.raises(QueryError, match="rollups cannot answer"):
        query(spec, ws, path="rollup")


def test_an_event_name_new_in_a_later_ingest_takes_the_next_number(tmp_path, files):
    """Event names are numbered as they arrive (rollup_events); a name first seen in the
    second ingest gets the next number, and questions about it, or about one never seen,
    equal the scan."""
    later = tmp_path / "later.csv"
    frame = _events(5, 600, "2024-04-01", 7)
    frame.loc[frame.index % 3 == 0, "event"] = "share"  # a name the first file lacks
    frame.to_csv(later, index=False)
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        ingest(ws, later)
        con = ws.connection
        assert con.execute("SELECT event, e FROM rollup_events ORDER BY e").fetchall() == [
            ("buy", 1), ("click", 2), ("view", 3), ("share", 4)]
        for event in ("share", "view", "never"):
            spec = {"kind": "active_users", "math": ["total", "dau", "wau"], "event": event,
                    **RANGE}
            got = query(spec, ws)
            assert got.plan["path"] == "rollup"
            assert got.to_dict() == query(spec, ws, path="scan").to_dict()
        assert sum(query({**spec, "event": "share"}, ws).data["total"]) == int(
            (frame.event == "share").sum())
        assert rollup_verify.verify(con, sample=60).ok


def test_verify_finds_a_changed_day_and_rebuild_repairs_it(tmp_path, files):
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        con = ws.connection
        assert rollup_verify.verify(con, sample=40).ok
        con.execute("UPDATE rollup_day_event SET n = n + 1 WHERE rowid = (SELECT "
                    "min(rowid) FROM rollup_day_event WHERE day = DATE '2024-03-10')")
        # one user's one event loses 03-10 from its day mask
        bit = "(DATE '2024-03-10' - DATE '1970-01-01')"
        con.execute(f"UPDATE rollup_user_mask SET mask = mask & ~(CAST(1 AS UBIGINT) << "
                    f"CAST({bit} & 63 AS UBIGINT)) WHERE rowid = (SELECT min(rowid) FROM "
                    f"rollup_user_mask WHERE e > 0 AND blk = {bit} >> 6 AND (mask >> CAST({bit} "
                    "& 63 AS UBIGINT)) & CAST(1 AS UBIGINT) = 1)")
        con.execute("DELETE FROM rollup_slices WHERE day = DATE '2024-03-12' AND value = 'ios'")
        con.execute("INSERT INTO rollup_runs VALUES (DATE '2024-03-09', DATE '2024-03-11', 1)")
        report = rollup_verify.verify(con, days=[date(2024, 3, 10), date(2024, 3, 12)])
        assert not report.ok
        assert any(m.startswith("runs[7 days]: 1 rows") for m in report.mismatches)
        assert any(m.startswith("day_event: 1 rows") for m in report.mismatches)
        assert any(m.startswith("user_event_mask: 1 rows") for m in report.mismatches)
        assert not any(m.startswith("user_mask:") for m in report.mismatches)
        assert not any(m.startswith("user_day:") for m in report.mismatches)
        assert any(m.startswith("slices[os]") for m in report.mismatches)
        assert rollup_verify.verify(con, days=[date(2024, 3, 11)]).ok  # untouched day
        rollups.rebuild(con, timezone=TZ, properties=ws.settings.rollup_properties)
        assert rollup_verify.verify(con, sample=40).ok


def test_events_changed_outside_ingest_are_scanned(tmp_path, files):
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        spec = ROLLUP_SPECS["stickiness"]
        assert query(spec, ws).plan["path"] == "rollup"
        ws.connection.execute("INSERT INTO events (ts, user_id, event) VALUES "
                              "(TIMESTAMP '2024-03-26 10:00', 'zz', 'view')")
        stale = query(spec, ws)
        assert stale.plan["path"] == "scan" and "rollups rebuild" in stale.plan["why"]
        assert stale.to_dict() == query(spec, ws, path="scan").to_dict()


def test_a_new_timezone_rebuilds_at_the_next_ingest(tmp_path, files):
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
    with Workspace(tmp_path / "ws", timezone="UTC") as ws:
        ingest(ws, files[1])
        assert rollups.read_meta(ws.connection).timezone == "UTC"
        assert rollup_verify.verify(ws.connection, sample=60).ok
        spec = {**ROLLUP_SPECS["lifecycle_daily"]}
        assert query(spec, ws).plan["path"] == "rollup"
        assert query(spec, ws).to_dict() == query(spec, ws, path="scan").to_dict()


def _rejected_file(tmp_path):
    """A file whose first 51 rows have no readable time: the ingest rejects it whole."""
    bad = tmp_path / "bad.csv"
    frame = _events(5, 400, "2024-04-10", 5)
    frame.loc[:50, "ts"] = "not a time"
    frame.to_csv(bad, index=False)
    return bad


def test_failed_ingest_leaves_events_and_rollups_as_they_were(tmp_path, files):
    bad = _rejected_file(tmp_path)
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        before = _snapshot(ws.connection)
        with pytest.raises(Exception, match="rejected"):
            ingest(ws, bad)
        assert _snapshot(ws.connection) == before


def test_a_failure_in_the_rollup_step_undoes_the_events_too(tmp_path, files):
    """The events are inserted before the rollups are appended: a failure there (here a
    rollup table someone replaced with one that refuses rows) must take the new events back
    out."""
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        con = ws.connection
        con.execute("CREATE OR REPLACE TABLE rollup_day_event (day DATE, e INTEGER, "
                    "n BIGINT CHECK (n < 0))")
        events = con.execute("SELECT count(*), max(_ingest_id) FROM events").fetchall()
        ledger = con.execute("SELECT count(*) FROM ingests").fetchall()
        with pytest.raises(Exception, match="rollup_day_event"):
            ingest(ws, files[1])
        assert con.execute("SELECT count(*), max(_ingest_id) FROM events").fetchall() == events
        assert con.execute("SELECT count(*) FROM ingests").fetchall() == ledger


def test_an_older_layout_is_dropped_before_the_ingest_begins(tmp_path, files):
    """Rollups of an older layout (text user keys) are dropped in a transaction of their own,
    committed before the ingest's: the ingest's transaction drops nothing (on DuckDB 2.0.0
    a table dropped and recreated in one transaction lost rows). So an ingest that then
    fails leaves them dropped, and the events as they were; the next one rebuilds."""
    bad = _rejected_file(tmp_path)
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        con = ws.connection
        con.execute("DROP TABLE rollup_users")
        con.execute("CREATE OR REPLACE TABLE rollup_user_day (user_id VARCHAR, day DATE, "
                    "n BIGINT)")
        con.execute("DROP TABLE IF EXISTS rollup_user_week")  # before it existed
        # a table older versions kept and this one does not
        con.execute("CREATE TABLE rollup_user_day_event (uid INTEGER, day DATE, e INTEGER, "
                    "n BIGINT)")
        events = con.execute("SELECT count(*) FROM events").fetchall()
        assert rollups.read_meta(con) is None
        with pytest.raises(Exception, match="rejected"):
            ingest(ws, bad)
        assert con.execute("SELECT count(*) FROM events").fetchall() == events
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "rollup_user_day" not in tables and "rollup_user_day_event" not in tables
        assert "rollup_day_event" in tables  # of this layout: kept
        ingest(ws, files[1])
        assert rollups.read_meta(con) is not None
        assert rollup_verify.verify(con, sample=60).ok
        spec = ROLLUP_SPECS["lifecycle_weekly_monday"]
        assert query(spec, ws).plan["path"] == "rollup"
        assert query(spec, ws).to_dict() == query(spec, ws, path="scan").to_dict()


def test_a_rebuild_inside_a_transaction_refuses_an_older_layout(tmp_path, files):
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        con = ws.connection
        con.execute("CREATE OR REPLACE TABLE rollup_user_day (user_id VARCHAR, day DATE, "
                    "n BIGINT)")
        con.execute("BEGIN TRANSACTION")
        with pytest.raises(RuntimeError, match="rollups.migrate"):
            rollups.add_ingest(con, [], timezone=TZ, properties=[])
        con.execute("ROLLBACK")
        assert rollups.migrate(con) and not rollups.migrate(con)


def test_an_ingest_after_one_without_rollups_rebuilds_them(tmp_path, files):
    """Events an ingest loaded with rollups=False (the scratch warehouse's way) are not in
    the rollups; the next ingest must not append only its own and call them current."""
    third = tmp_path / "third.csv"
    _events(6, 300, "2024-04-20", 4).to_csv(third, index=False)
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        ingest(ws, files[1], rollups=False)
        ingest(ws, third)
        con = ws.connection
        assert rollup_verify.verify(con, sample=80, seed=1).ok
        assert rollups.read_meta(con).events_rows == con.execute(
            "SELECT count(*) FROM events").fetchall()[0][0]
        for name in ("active_users_day", "lifecycle_weekly_monday", "retention_daily"):
            spec = ROLLUP_SPECS[name]
            assert query(spec, ws).plan["path"] == "rollup"
            assert query(spec, ws).to_dict() == query(spec, ws, path="scan").to_dict(), name


def _wrong_until_rebuilt(ws, scans: dict) -> None:
    """The damaged rollups answer each of ``scans``' specs wrongly; a rebuild mends them."""
    for name in scans:
        assert query(ROLLUP_SPECS[name], ws).to_dict() != scans[name], name
    rollups.rebuild(ws.connection, timezone=TZ, properties=ws.settings.rollup_properties)
    for name in scans:
        assert query(ROLLUP_SPECS[name], ws).to_dict() == scans[name], name


def test_weekly_answers_read_the_per_week_rows(tmp_path, files):
    """Weekly any-event questions come from rollup_user_week (emptying it changes them);
    a rebuild puts it back, and verify checks it."""
    weekly = ["stickiness_weekly_criteria", "retention_weekly_min_occurrences"]
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        for path in files:
            ingest(ws, path)
        con = ws.connection
        scans = {name: query(ROLLUP_SPECS[name], ws, path="scan").to_dict() for name in weekly}
        for name in weekly:
            assert query(ROLLUP_SPECS[name], ws).to_dict() == scans[name], name
        con.execute("DELETE FROM rollup_user_week WHERE week = DATE '2024-04-01'")  # Monday
        report = rollup_verify.verify(con, days=[date(2024, 4, 2)])
        assert [m.split(":")[0] for m in report.mismatches] == ["user_week[monday]"]
        con.execute("DELETE FROM rollup_user_week WHERE week = DATE '2024-03-31'")  # Sunday
        _wrong_until_rebuilt(ws, scans)


def test_any_event_answers_read_the_day_masks(tmp_path, files):
    """Any-event stickiness, lifecycle and retention come from rollup_user_mask
    (clearing one day's bit changes them all; verify names the table); a rebuild puts it
    back. The planner's why says so, and other specs do not read it."""
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        for path in files:
            ingest(ws, path)
        con = ws.connection
        scans = {name: query(ROLLUP_SPECS[name], ws, path="scan").to_dict() for name in MASKED}
        for name in MASKED:
            got = query(ROLLUP_SPECS[name], ws)
            assert got.to_dict() == scans[name], name
            assert "bitmask of active days" in got.plan["why"], name
        for name in MASKED_EVENT:
            got = query(ROLLUP_SPECS[name], ws)
            assert got.to_dict() == query(ROLLUP_SPECS[name], ws, path="scan").to_dict(), name
            assert "bitmask of active days" in got.plan["why"], name
        for name in ("stickiness_weekly_criteria", "lifecycle_daily", "active_users_day_event",
                     "retention_first_time_cumulative"):  # counts, or another return event
            assert "bitmask" not in query(ROLLUP_SPECS[name], ws).plan["why"], name
        # 2024-04-01 (a Monday, day 19814 since 1970: block 309, bit 38) off for every user
        con.execute("UPDATE rollup_user_mask SET mask = mask & ~(CAST(1 AS UBIGINT) << "
                    "CAST(38 AS UBIGINT)) WHERE blk = 309 AND e = 0")  # any event's
        report = rollup_verify.verify(con, days=[date(2024, 4, 1), date(2024, 4, 2)])
        assert [m.split(":")[0] for m in report.mismatches] == ["user_mask"]
        active = con.execute("SELECT count(DISTINCT user_id) FROM events WHERE ts >= "
                             "TIMESTAMP '2024-03-31 22:00' AND ts < TIMESTAMP '2024-04-01 "
                             "22:00'").fetchall()[0][0]  # April 1st in Berlin (UTC+2)
        assert report.mismatches[0].startswith(f"user_mask: {active} rows of the raw")
        # first-time cohorts (the few users first seen in the range) did nothing that day,
        # so those grids stand: their plans' why above, and the MAX_CELLS test's count of
        # pattern reads, show they read the masks
        _wrong_until_rebuilt(ws, {n: a for n, a in scans.items() if "first_" not in n})


def test_masks_too_large_fall_back_to_the_other_rollups(ws, monkeypatch):
    """Past MAX_CELLS (patterns x days) the mask answers decline and the user-day rows
    answer instead: still from the rollups, still the scan's numbers."""
    from applens.insights import _mask_answers, _rollup_masks

    calls = []
    real = _rollup_masks.patterns

    def spy(*args, **kwargs):
        calls.append(real(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(_rollup_masks, "MAX_CELLS", 0)
    monkeypatch.setattr(_mask_answers, "patterns", spy)
    for name in MASKED + MASKED_EVENT:
        got = query(ROLLUP_SPECS[name], ws)
        assert got.plan["path"] == "rollup", name
        assert got.plan["why"].endswith("so the user-day rows answered"), name
        assert got.to_dict() == query(ROLLUP_SPECS[name], ws, path="scan").to_dict(), name
    assert len(calls) == len(MASKED + MASKED_EVENT) and all(c is None for c in calls)


def _snapshot(con) -> tuple:
    return tuple(con.execute(sql).fetchall() for sql in (
        "SELECT count(*) FROM events", "SELECT count(*), sum(n) FROM rollup_user_day",
        "SELECT count(*), sum(n) FROM rollup_day_event",
        "SELECT count(*), sum(bit_count(mask)) FROM rollup_user_mask",
        "SELECT count(*), sum(n) FROM rollup_slices", "SELECT count(*) FROM rollup_first_seen",
        "SELECT * FROM rollup_meta"))


def test_killed_ingest_leaves_both_or_neither(tmp_path):
    """A process killed while it ingests leaves the events and rollups of before, which still
    verify, and the same file then loads with its rollups."""
    big = tmp_path / "big.csv"
    duckdb.sql(
        "COPY (SELECT TIMESTAMP '2024-06-01' + INTERVAL (i * 7) SECOND AS ts, 'u' || (i % 5000) "
        "AS user_id, CASE WHEN i % 3 = 0 THEN 'like' ELSE 'view' END AS event, "
        "['ios', 'web'][1 + i % 2] AS os FROM range(1500000) t(i)) TO "
        f"'{big}' (HEADER)")
    small = tmp_path / "small.csv"
    small.write_text("ts,user_id,event,os\n2024-05-01 10:00:00,a,view,ios\n"
                     "2024-05-02 10:00:00,b,view,web\n")
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, small)
        before = _snapshot(ws.connection)
    marker = tmp_path / "started"
    script = textwrap.dedent(f"""
        import pathlib
        from applens.ingest import ingest
        from applens.workspace import Workspace
        ws = Workspace({str(tmp_path / "ws")!r}, timezone={TZ!r})
        def started(label, fraction, estimate):
            pathlib.Path({str(marker)!r}).touch()
        ingest(ws, {str(big)!r}, progress=started)
        pathlib.Path({str(marker)!r} + ".done").touch()
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "started.done").exists(), "the ingest finished before the kill"
    with Workspace(tmp_path / "ws", timezone=TZ) as ws:
        assert _snapshot(ws.connection) == before
        assert rollup_verify.verify(ws.connection, sample=5).ok
        assert ingest(ws, big).rows_loaded == 1_500_000
        assert rollup_verify.verify(ws.connection, sample=5).ok


def test_cli_rebuild_verify_and_explain(tmp_path, files, run_cli):
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        ws.connection.execute("DELETE FROM rollup_user_day WHERE day = DATE '2024-03-05'")
    where = ["--workspace", str(tmp_path / "ws")]
    bad = run_cli("rollups", "verify", "--sample", "40", *where)
    assert bad.exit_code == 1 and "rollups rebuild" in bad.stderr
    done = run_cli("rollups", "rebuild", *where)
    assert done.exit_code == 0 and "Rebuilt the rollups of 2,500 events" in done.stdout
    good = run_cli("rollups", "verify", "--sample", "40", "--format", "json", *where)
    assert good.exit_code == 0 and json.loads(good.stdout)["ok"] is True
    spec = json.dumps(ROLLUP_SPECS["lifecycle_daily"])
    shown = run_cli("query", spec, "--explain", "--format", "json", *where)
    assert shown.exit_code == 0, shown.stderr
    assert "Answered from the rollups" in shown.stderr
    assert json.loads(shown.stdout)["new"]  # stdout stays parseable JSON
    spec = json.dumps(SCAN_SPECS["breakdown"][0])
    scanned = run_cli("query", spec, "--explain", "--format", "json", *where)
    assert "Answered from a scan of the events" in scanned.stderr
