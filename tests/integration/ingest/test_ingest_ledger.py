"""The ingests ledger: when each ingest started and finished."""

from datetime import UTC, datetime

from applens.ingest import ingest
from applens.workspace import Workspace

ROWS = "ts,user_id,event\n2024-06-01 10:00:00,u1,view\n2024-06-01 10:05:00,u2,view\n"


def test_an_ingest_finishes_after_it_starts_in_utc_whatever_the_timezone(tmp_path):
    ws = Workspace.init(tmp_path / "ws", timezone="Asia/Tokyo")  # UTC+9: a zone mix-up shows
    before = datetime.now(UTC).replace(tzinfo=None)
    (tmp_path / "e.csv").write_text(ROWS, encoding="utf-8")
    ingest(ws, tmp_path / "e.csv")
    after = datetime.now(UTC).replace(tzinfo=None)
    started, finished = ws.connection.execute(
        "SELECT started_at, finished_at FROM ingests").fetchall()[0]
    ws.close()
    assert before <= started <= finished <= after
