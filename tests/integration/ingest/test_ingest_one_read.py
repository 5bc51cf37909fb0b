"""A file whose rows carry session ids is read once: failed rows go in marked and leave
again, so the rejects, the ledger and the events are what two reads would have given."""

from datetime import datetime

from applens.ingest import ingest
from applens.workspace import Workspace

TEXT = (
    "ts,user_id,event,session_id,plan\n"
    "2024-06-01 10:00:00,u1,view,s1,pro\n"       # line 2
    "2024-06-01 10:00:0\t,u1,view,s1,pro\n"      # line 3: a tab the shortcut must not skip
    " 2024-06-01 10:00:00 ,u2,view,s2,\n"         # line 4: spaces trimmed; no plan
    "2024-6-1 9:5:7,u3,like,s3,~\n"               # line 5: short fields, the general path
    "2024-06-01 10:00:00+03:00,u4,view,s4,free\n"  # line 6: an offset keeps its instant
    "1989-12-31 23:59:59,u5,view,s5,free\n"       # line 7: impossible
    "2024-06-01 10:00:00,  ,view,s6,free\n"       # line 8: blank user id
    "2024-06-01 10:00:00,u7,view,s7,free\n"       # line 9
)


def rows(ws, sql, params=None):
    return ws.connection.execute(sql, params).fetchall()


def test_failed_rows_are_rejected_and_leave_no_trace_in_events(tmp_path):
    ws = Workspace.init(tmp_path / "ws", timezone="Europe/Berlin")  # UTC+2 in June
    path = tmp_path / "e.csv"
    path.write_text(TEXT)
    summary = ingest(ws, path, max_rejects="100%")
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (8, 5, 3)
    got = rows(ws, 'SELECT line, "column", value, reason FROM rejects ORDER BY line')
    assert [(g[0], g[1]) for g in got] == [(3, "ts"), (7, "ts"), (8, "user_id")]
    assert got[0][2] == "2024-06-01 10:00:0\t" and "not a timestamp" in got[0][3]
    assert "impossible ts" in got[1][3] and "empty user_id" in got[2][3]
    assert rows(ws, "SELECT user_id, ts, plan FROM events ORDER BY user_id") == [
        ("u1", datetime(2024, 6, 1, 8, 0), "pro"),
        ("u2", datetime(2024, 6, 1, 8, 0), None),
        ("u3", datetime(2024, 6, 1, 7, 5, 7), "~"),
        ("u4", datetime(2024, 6, 1, 7, 0), "free"),
        ("u7", datetime(2024, 6, 1, 8, 0), "free"),
    ]
    assert rows(ws, "SELECT DISTINCT _ingest_id FROM events") == [(summary.ingest_id,)]
    ledger = rows(ws, "SELECT rows_read, rows_loaded, rows_rejected FROM ingests")
    assert ledger == [(8, 5, 3)]


def test_where_counts_filtered_rows_apart_from_rejects(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "e.csv"
    path.write_text(TEXT)
    summary = ingest(ws, path, where="event = 'view'", max_rejects="100%")  # not line 5
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected,
            summary.rows_filtered) == (8, 4, 3, 1)
    assert rows(ws, "SELECT count(*) FROM events WHERE _ingest_id <> ?",
                [summary.ingest_id]) == [(0,)]
    assert [r[0] for r in rows(ws, "SELECT line FROM rejects ORDER BY line")] == [3, 7, 8]


def test_a_file_read_by_several_threads_keeps_every_row_and_its_reject_lines(tmp_path):
    """Past one 16 MB read buffer the insert runs on several threads and writes rows in the
    order they finish; the rejects still name the file's lines (a second, ordered read)."""
    n = 400_000  # ~26 MB: two buffers at least
    bad = {5, 199_999, n - 1}  # data rows (0-based) with an empty user id
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("ts,user_id,event,session_id,value\n")
        for i in range(n):
            user = "" if i in bad else f"u{i % 997}"
            out.write(f"2024-06-{1 + i % 28:02d} 10:00:00,{user},view,s{i},{i}\n")
    ws = Workspace.init(tmp_path / "ws", threads=2)
    summary = ingest(ws, path, max_rejects="100%")
    assert (summary.rows_loaded, summary.rows_rejected) == (n - 3, 3)
    assert rows(ws, "SELECT line FROM rejects ORDER BY line") == [(i + 2,) for i in sorted(bad)]
    got = rows(ws, "SELECT count(*), count(DISTINCT session_id), sum(CAST(value AS BIGINT)) "
                   "FROM events")
    assert got == [(n - 3, n - 3, sum(range(n)) - sum(bad))]
