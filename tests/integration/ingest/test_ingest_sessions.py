"""Derived sessions continue across files: a session split over two daily files stays one."""

from applens.ingest import ingest, ingest_many
from applens.workspace import Workspace

DAY1 = ("ts,user_id,event\n2024-06-01 23:40:00,u1,view\n2024-06-01 23:55:00,u1,like\n"
        "2024-06-01 10:00:00,u2,view\n")
DAY2 = ("ts,user_id,event\n2024-06-02 00:05:00,u1,view\n2024-06-02 00:20:00,u1,like\n"
        "2024-06-02 09:00:00,u1,view\n2024-06-02 10:00:00,u2,view\n")


def sessions(ws):
    return ws.connection.execute(
        "SELECT user_id, ts, session_id FROM events ORDER BY user_id, ts").fetchall()


def test_a_session_split_over_two_files_is_one_session(tmp_path):
    (tmp_path / "day1.csv").write_text(DAY1)
    (tmp_path / "day2.csv").write_text(DAY2)
    (tmp_path / "both.csv").write_text(DAY1 + DAY2.split("\n", 1)[1])
    with Workspace.init(tmp_path / "split") as split, Workspace.init(tmp_path / "one") as one:
        ingest(split, tmp_path / "day1.csv")
        ingest(split, tmp_path / "day2.csv")
        ingest(one, tmp_path / "both.csv")
        assert sessions(split) == sessions(one)
        u1 = [s for user, _, s in sessions(split) if user == "u1"]
        assert u1[0] == u1[1] == u1[2] == u1[3] != u1[4]  # 23:40 .. 00:20 is one session
        before = sessions(split)
        assert ingest(split, tmp_path / "day2.csv").skipped_as_duplicate_of is not None
        assert sessions(split) == before


def test_files_in_one_command_continue_each_other(tmp_path):
    (tmp_path / "day1.csv").write_text(DAY1)
    (tmp_path / "day2.csv").write_text(DAY2)
    with Workspace.init(tmp_path / "ws") as ws:
        ingest_many(ws, [tmp_path / "day1.csv", tmp_path / "day2.csv"])
        u1 = [s for user, _, s in sessions(ws) if user == "u1"]
        assert len(set(u1)) == 2
