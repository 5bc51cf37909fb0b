"""Derived sessions and keyed tables read the file once, and failed rows change nothing.

A file without session ids goes in like one with them (failed rows in, marked, deleted
again), its failed rows sessionized apart; a keyed file (users) is parsed once into a
scratch table that the conflict check, the dedup and the row count all read.
"""

from applens.ingest import ingest
from applens.workspace import Workspace

# u1's good rows are 50 minutes apart (two sessions at the 30-minute gap); the failed row
# between them (no event) would join them into one if it were sessionized with them.
EVENTS = ("ts,user_id,event\n"
          "2024-06-01 10:00:00,u1,view\n"      # line 2
          "2024-06-01 10:25:00,u1,\n"          # line 3: no event, rejected
          "2024-06-01 10:50:00,u1,like\n"      # line 4
          "2024-06-01 10:10:00,u2,view\n")     # line 5

USERS = ("user_id,age,country\n"
         "u1,30,DE\n"          # line 2, replaced by line 5
         "u2,200,US\n"         # line 3: impossible age, rejected
         "u3,41,FR\n"          # line 4
         "u1,31,DE\n")         # line 5


class _Counting:
    """The warehouse connection, counting the statements that read the whole source."""

    def __init__(self, con, path):
        self._con, self._path, self.reads = con, str(path), 0

    def execute(self, sql, *args):
        if self._path in sql and "LIMIT" not in sql and "DESCRIBE" not in sql:
            self.reads += 1
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _counted(ws, path):
    counting = _Counting(ws.connection, path)
    ws._connection = counting
    return counting


def test_derived_sessions_leave_failed_rows_apart_and_read_once(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(EVENTS)
    ws = Workspace.init(tmp_path / "ws")
    counting = _counted(ws, path)
    summary = ingest(ws, path, max_rejects="100%")
    assert summary.sessions_derived
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (4, 3, 1)
    got = ws.connection.execute("SELECT user_id, strftime(ts, '%H:%M'), session_id, _ingest_id "
                                "FROM events ORDER BY user_id, ts").fetchall()
    assert got == [("u1", "10:00", "u1:20240601T100000", 1),
                   ("u1", "10:50", "u1:20240601T105000", 1),
                   ("u2", "10:10", "u2:20240601T101000", 1)]
    assert ws.connection.execute("SELECT line, \"column\" FROM rejects").fetchall() == [
        (3, "event")]
    assert counting.reads == 2  # the insert, and the second parse that words the reject


def test_a_clean_file_without_sessions_is_read_once(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(EVENTS.replace("10:25:00,u1,\n", "10:25:00,u1,view\n"))
    ws = Workspace.init(tmp_path / "ws")
    counting = _counted(ws, path)
    summary = ingest(ws, path)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (4, 4, 0)
    assert ws.connection.execute("SELECT count(DISTINCT session_id) FROM events "
                                 "WHERE user_id = 'u1'").fetchall() == [(1,)]  # 25-min gaps
    assert counting.reads == 1


def test_keyed_rows_are_parsed_once_deduplicated_and_counted(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(USERS)
    ws = Workspace.init(tmp_path / "ws")
    counting = _counted(ws, path)
    summary = ingest(ws, path, table="users", max_rejects="100%")
    # rows_read is loaded + rejected, as before: the replaced u1 row is not counted
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (3, 2, 1)
    assert ws.connection.execute("SELECT user_id, age FROM users ORDER BY user_id"
                                 ).fetchall() == [("u1", 31), ("u3", 41)]
    assert ws.connection.execute("SELECT line, \"column\" FROM rejects").fetchall() == [
        (3, "age")]
    assert counting.reads == 2  # the staging parse, and the second parse for the reject
