"""Ingesting real files into a real DuckDB warehouse."""

import gzip
import json
import shutil
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from applens.errors import SchemaError, SourceError, TooManyRejectsError
from applens.ingest import ingest
from applens.workspace import Workspace

GOOD = """ts,user_id,event,os,price
2024-06-01 10:00:00,u1,view,ios,1.5
2024-06-01 10:10:00,u1,like,ios,2
2024-06-01 12:10:00,u1,view,ios,
2024-06-01T10:00:00+03:00,u2,view,android,3
"""


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def rows(ws, sql):
    return ws.connection.execute(sql).fetchall()


def snapshot(ws):
    """Everything an ingest may touch, to prove a failed one changed nothing."""
    tables = rows(ws, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1")
    return {t: rows(ws, f"SELECT * FROM {t} ORDER BY ALL") for (t,) in tables}


def test_naive_times_are_read_in_the_workspace_timezone_and_stored_as_utc(tmp_path):
    ws = Workspace.init(tmp_path / "ws", timezone="Europe/Moscow")
    summary = ingest(ws, write(tmp_path / "e.csv", GOOD))
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (4, 4, 0)
    got = rows(ws, "SELECT user_id, ts FROM events ORDER BY user_id, ts")
    assert got[0] == ("u1", datetime(2024, 6, 1, 7, 0))  # 10:00 Moscow (UTC+3)
    assert got[3] == ("u2", datetime(2024, 6, 1, 7, 0))  # explicit +03:00 kept as an instant
    types = dict(rows(ws, "SELECT column_name, data_type FROM duckdb_columns() "
                          "WHERE table_name = 'events'"))
    assert types["ts"] == "TIMESTAMP" and types["price"] == "DOUBLE"


def test_sessions_are_derived_from_the_inactivity_gap(workspace, tmp_path):
    ingest(workspace, write(tmp_path / "e.csv", GOOD))
    sessions = rows(workspace, "SELECT session_id FROM events WHERE user_id = 'u1' ORDER BY ts")
    assert sessions[0] == sessions[1] != sessions[2]  # 10 min apart, then a 2 h gap


def test_bad_rows_are_rejected_with_file_line_column_value_and_reason(workspace, tmp_path):
    ingest(workspace, write(tmp_path / "good.csv", GOOD))  # makes price a DOUBLE column
    text = GOOD.replace("u1", "k1") + (
        "not-a-time,u3,view,ios,1\n"          # line 6
        "2024-06-01 10:00:00,,view,ios,1\n"   # line 7: empty user id
        "2024-06-01 10:00:00,u4,view,ios,1,x\n"  # line 8: too many columns
        "1900-01-01 00:00:00,u5,view,ios,1\n"  # line 9: impossible timestamp
        "2024-06-01 10:00:00,u6,view,ios,cheap\n"  # line 10: property is not a number
        '2024-06-01 10:00:00,u7,"view,ios,1\n'  # line 11: broken quoting
    )
    summary = ingest(workspace, write(tmp_path / "bad.csv", text), max_rejects="100%")
    assert summary.rows_loaded == 4 and summary.rows_rejected == 6
    got = rows(workspace, 'SELECT line, "column", value, reason FROM rejects ORDER BY line')
    assert [g[0] for g in got] == [6, 7, 8, 9, 10, 11]
    assert got[0][1:3] == ("ts", "not-a-time") and "not a timestamp" in got[0][3]
    assert got[1][1] == "user_id" and "empty user_id" in got[1][3]
    assert "too many columns" in got[2][3]
    assert "impossible ts" in got[3][3]
    assert got[4][1:3] == ("price", "cheap") and "not a valid DOUBLE" in got[4][3]
    assert "malformed CSV row" in got[5][3]
    assert all(r[0].endswith("bad.csv") for r in rows(workspace, "SELECT source FROM rejects"))


def test_max_rejects_fails_the_whole_ingest_and_changes_nothing(workspace, tmp_path):
    ingest(workspace, write(tmp_path / "first.csv", GOOD))
    before = snapshot(workspace)
    bad = write(tmp_path / "bad.csv", GOOD.replace("u2", "") + "x,u9,view,ios,1\n")
    with pytest.raises(TooManyRejectsError, match=r"2 of 5 rows.*--max-rejects 1\b.*line"):
        ingest(workspace, bad, max_rejects="1")
    with pytest.raises(TooManyRejectsError, match="more than --max-rejects 10%"):
        ingest(workspace, bad, max_rejects="10%")
    assert snapshot(workspace) == before
    assert ingest(workspace, bad, max_rejects="50%").rows_rejected == 2


def test_a_failed_first_ingest_leaves_no_tables_behind(workspace, tmp_path):
    with pytest.raises(TooManyRejectsError):
        ingest(workspace, write(tmp_path / "bad.csv", "ts,user_id,event\nx,u,v\n"), max_rejects=0)
    assert not workspace.has_table("events") and not workspace.has_table("ingests")


def test_the_same_content_twice_adds_nothing_and_new_files_append(workspace, tmp_path):
    first = ingest(workspace, write(tmp_path / "a.csv", GOOD))
    again = ingest(workspace, tmp_path / "a.csv")
    renamed = ingest(workspace, shutil.copy(tmp_path / "a.csv", tmp_path / "copy.csv"))
    assert again.skipped_as_duplicate_of == first.ingest_id == renamed.skipped_as_duplicate_of
    assert rows(workspace, "SELECT count(*) FROM events") == [(4,)]
    more = ingest(workspace, write(tmp_path / "b.csv", GOOD.replace("u1", "u8")))
    assert more.ingest_id == first.ingest_id + 1
    assert rows(workspace, "SELECT count(*) FROM events") == [(8,)]


def test_missing_required_column_is_an_error_that_lists_columns(workspace, tmp_path):
    with pytest.raises(SchemaError, match=r"'event'.*Its columns are: ts, user_id, os"):
        ingest(workspace, write(tmp_path / "e.csv", "ts,user_id,os\n2024-01-01,u,ios\n"))


def test_ts_is_composed_from_date_and_time_columns(workspace, tmp_path):
    text = "date,time,uid,path\n2024-06-01,10:00:00,u1,/home\n2024-06-02,23:59:59,u2,/buy\n"
    ingest(workspace, write(tmp_path / "log.csv", text),
                     mapping={"ts": ["date", "time"], "user_id": "uid", "event": "path"})
    assert rows(workspace, "SELECT ts, user_id, event FROM events ORDER BY ts") == [
        (datetime(2024, 6, 1, 10, 0), "u1", "/home"),
        (datetime(2024, 6, 2, 23, 59, 59), "u2", "/buy")]


def test_mapping_from_applens_toml_is_used(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    config = ws.path / "applens.toml"
    config.write_text(config.read_text() + '\n[mapping.events]\nuser_id = "who"\n')
    ws = Workspace(ws.path)
    ingest(ws, write(tmp_path / "e.csv", "ts,who,event\n2024-06-01,u1,view\n"))
    assert rows(ws, "SELECT user_id FROM events") == [("u1",)]


def test_gzip_tsv_semicolon_and_cp1251_files(workspace, tmp_path):
    gz = tmp_path / "a.csv.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as handle:
        handle.write(GOOD)
    ingest(workspace, gz)
    ingest(workspace, write(tmp_path / "b.tsv", GOOD.replace(",", "\t").replace("u1", "t1")))
    russian = "ts;user_id;event;city\n2024-06-01 10:00:00;r1;просмотр;Москва\n" * 1 + \
        "".join(f"2024-06-0{d} 10:00:00;r{d};лайк;Санкт-Петербург\n" for d in range(2, 9))
    summary = ingest(workspace, write(tmp_path / "ru.csv", russian, "cp1251"))
    assert summary.rows_loaded == 8
    assert rows(workspace, "SELECT event, city FROM events WHERE user_id = 'r1'") == [
        ("просмотр", "Москва")]
    assert rows(workspace, "SELECT count(*) FROM events") == [(16,)]


def test_parquet_json_and_json_lines(workspace, tmp_path):
    table = pa.table({"ts": pa.array([datetime(2024, 6, 1, 10)], pa.timestamp("us")),
                      "user_id": ["p1"], "event": ["view"], "duration_ms": [120]})
    pq.write_table(table, tmp_path / "e.parquet")
    ingest(workspace, tmp_path / "e.parquet")
    records = [{"ts": "2024-06-01T11:00:00Z", "user_id": "j1", "event": "like"}]
    (tmp_path / "e.json").write_text(json.dumps(records))
    (tmp_path / "e.jsonl").write_text(json.dumps({**records[0], "user_id": "j2"}) + "\n")
    ingest(workspace, tmp_path / "e.json")
    ingest(workspace, tmp_path / "e.jsonl")
    assert rows(workspace, "SELECT user_id, ts FROM events ORDER BY user_id") == [
        ("j1", datetime(2024, 6, 1, 11)), ("j2", datetime(2024, 6, 1, 11)),
        ("p1", datetime(2024, 6, 1, 10))]
    assert rows(workspace, "SELECT duration_ms FROM events WHERE user_id = 'p1'") == [(120,)]


def test_a_file_that_is_not_what_its_extension_says(workspace, tmp_path):
    with pytest.raises(SourceError, match="content is CSV"):
        ingest(workspace, write(tmp_path / "e.parquet", GOOD))
    assert ingest(workspace, tmp_path / "e.parquet", fmt="csv").rows_loaded == 4


def test_header_only_file_loads_nothing_and_empty_file_is_an_error(workspace, tmp_path):
    assert ingest(workspace, write(tmp_path / "h.csv", "ts,user_id,event\n")).rows_loaded == 0
    with pytest.raises(SourceError, match="empty"):
        ingest(workspace, write(tmp_path / "z.csv", ""))


def test_later_files_may_add_property_columns(workspace, tmp_path):
    ingest(workspace, write(tmp_path / "a.csv", GOOD))
    ingest(workspace, write(tmp_path / "b.csv", "ts,user_id,event,plan\n2024-06-03,u9,buy,pro\n"))
    assert rows(workspace, "SELECT plan, price FROM events WHERE user_id = 'u9'") == [("pro", None)]


def test_users_are_validated_and_replaced_by_key(workspace, tmp_path):
    users = ("user_id,created_at,age,gender\n"
             "u1,2024-05-01,30,f\nu2,2024-05-02,-4,m\nu3,2024-05-03,abc,m\n")
    summary = ingest(workspace, write(tmp_path / "users.csv", users), table="users",
                               max_rejects="100%")
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 2)
    reasons = [r[0] for r in rows(workspace, "SELECT reason FROM rejects ORDER BY line")]
    assert "impossible age: below 0" in reasons[0] and "not an integer" in reasons[1]
    ingest(workspace, write(tmp_path / "users2.csv", "user_id,age\nu1,31\n"), table="users")
    assert rows(workspace, "SELECT user_id, age FROM users") == [("u1", 31)]
