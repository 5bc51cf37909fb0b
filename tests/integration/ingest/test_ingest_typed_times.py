"""A source column that already holds times (Parquet, typed JSON) is read as it is, not printed as
text and parsed back: the loaded values and rejects are those of the same rows as CSV text."""

import duckdb
import pandas as pd

from applens.ingest import ingest
from applens.ingest.preview import preview
from applens.workspace import Workspace

# Berlin: wall-clock times convert to UTC, across a DST change; microseconds kept
ROWS = """SELECT * FROM (VALUES
    (TIMESTAMP '2024-03-30 23:59:59.123456', 'u1', 'view'),
    (TIMESTAMP '2024-03-31 03:30:00', 'u2', 'view'),
    (TIMESTAMP '2024-10-27 02:30:00', 'u1', 'like'),
    (NULL, 'u3', 'view'),
    (TIMESTAMP '1985-01-01 00:00:00', 'u4', 'view'),
    (TIMESTAMP '2099-01-01 00:00:00', 'u5', 'view')) t(ts, user_id, event)"""


def _load(tmp_path, name, copy_options, select=ROWS, timezone="Europe/Berlin"):
    path = tmp_path / name
    duckdb.sql(f"COPY ({select}) TO '{path}' ({copy_options})")
    ws = Workspace.init(tmp_path / f"ws-{name}", timezone=timezone)
    summary = ingest(ws, path, max_rejects=10)
    con = ws.connection
    events = con.execute("SELECT ts, user_id, event FROM events ORDER BY user_id, ts").fetchall()
    rejects = con.execute('SELECT "column", value, reason FROM rejects ORDER BY value'
                          ).fetchall()
    ws.close()
    return summary, events, rejects


def test_typed_times_load_and_reject_as_their_text_does(tmp_path):
    typed = _load(tmp_path, "e.parquet", "FORMAT parquet")
    text = _load(tmp_path, "e.csv", "HEADER")
    assert typed[1] == text[1] and typed[2] == text[2]
    assert (typed[0].rows_loaded, typed[0].rows_rejected) == (3, 3)
    assert [r[2] for r in typed[2]] == [
        "impossible ts: before 1990-01-01 or in the future",
        "impossible ts: before 1990-01-01 or in the future", "empty ts: every row needs a ts"]
    assert typed[2][0][1] == "1985-01-01 00:00:00"  # the value printed for the reject
    # wall-clock Berlin time, stored as UTC (23:59:59 CET = 22:59:59 UTC)
    assert str(typed[1][0][0]) == "2024-03-30 22:59:59.123456"


def test_instants_and_dates_keep_their_meaning(tmp_path):
    values = {"at": "TIMESTAMPTZ '2024-06-01 10:00:00+03'", "d": "DATE '2024-06-02'"}
    got = {}
    for name, value in values.items():
        path = tmp_path / f"{name}.parquet"
        duckdb.sql(f"COPY (SELECT {value} AS ts, 'u1' AS user_id, 'view' AS event) TO "
                   f"'{path}' (FORMAT parquet)")
        ws = Workspace.init(tmp_path / f"ws-{name}", timezone="Asia/Tokyo")
        ingest(ws, path)
        got[name] = str(ws.connection.execute("SELECT ts FROM events").fetchall()[0][0])
        ws.close()
    assert got["at"] == "2024-06-01 07:00:00"  # the instant, in UTC
    assert got["d"] == "2024-06-01 15:00:00"  # midnight in Tokyo


def test_nanoseconds_as_pandas_writes_them_are_cut_like_their_text(tmp_path):
    """pandas writes TIMESTAMP_NS; the text of such a time keeps 9 digits and parsing cuts
    them to microseconds (a cast would round .9999995 up to the next second)."""
    times = pd.to_datetime(["2024-03-30 23:59:59.9999995", "2024-06-01 10:00:00.123456789",
                            "1995-01-01 00:00:00.000000001"])
    frame = pd.DataFrame({"ts": times, "user_id": ["u1", "u2", "u3"], "event": "view"})
    frame.to_parquet(tmp_path / "e.parquet")
    frame.to_csv(tmp_path / "e.csv", index=False)
    assert duckdb.sql(f"DESCRIBE SELECT ts FROM '{tmp_path / 'e.parquet'}'").fetchall()[0][1] \
        == "TIMESTAMP_NS"
    got = {}
    for name in ("e.parquet", "e.csv"):
        ws = Workspace.init(tmp_path / f"ws-{name}", timezone="Europe/Berlin")
        ingest(ws, tmp_path / name)
        got[name] = ws.connection.execute("SELECT user_id, ts FROM events ORDER BY 1").fetchall()
        ws.close()
    assert got["e.parquet"] == got["e.csv"]
    assert str(got["e.csv"][0][1]) == "2024-03-30 22:59:59.999999"  # cut, not rounded


def test_preview_reads_typed_times_as_ingest_does(tmp_path):
    path = tmp_path / "e.parquet"
    duckdb.sql(f"COPY ({ROWS}) TO '{path}' (FORMAT parquet)")
    ws = Workspace.init(tmp_path / "ws", timezone="Europe/Berlin")
    shown = preview(ws, path)
    ws.close()
    assert [row.reason for row in shown.rows].count(None) == 3
    assert str(shown.rows[0].values["ts"]) == "2024-03-30 22:59:59.123456"
