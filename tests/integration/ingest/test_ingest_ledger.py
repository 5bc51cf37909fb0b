"""The ingests ledger: when each ingest started and finished, what it read (hash, size)."""

from datetime import UTC, datetime

import pytest

from applens.ingest import ingest, ingest_many
from applens.ingest.sources import file_fingerprint, fingerprint_later
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


def _ledger(ws):
    return ws.connection.execute("SELECT ingest_id, fingerprint, source_bytes FROM ingests "
                                 "ORDER BY ingest_id").fetchall()


def test_a_new_file_is_hashed_while_it_loads_and_the_ledger_keeps_its_hash_and_size(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "e.csv"
    path.write_text(ROWS, encoding="utf-8")
    summary = ingest(ws, path)
    assert summary.rows_loaded == 2
    assert _ledger(ws) == [(1, file_fingerprint(path), len(ROWS.encode()))]
    again = ingest(ws, tmp_path / "e.csv")  # same bytes, same size: hashed first, skipped
    assert again.skipped_as_duplicate_of == 1 and again.rows_loaded == 0
    ws.close()


def test_a_file_of_a_size_seen_before_with_other_bytes_still_loads(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    (tmp_path / "a.csv").write_text(ROWS, encoding="utf-8")
    other = ROWS.replace("u1", "u3")  # same length, other bytes
    (tmp_path / "b.csv").write_text(other, encoding="utf-8")
    assert ingest(ws, tmp_path / "a.csv").rows_loaded == 2
    assert ingest(ws, tmp_path / "b.csv").rows_loaded == 2
    assert [row[2] for row in _ledger(ws)] == [len(ROWS.encode())] * 2
    ws.close()


def test_a_ledger_without_sizes_still_finds_the_duplicate(tmp_path):
    """Rows written before the ledger kept sizes (NULL) make every file wait for its hash."""
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "e.csv"
    path.write_text(ROWS, encoding="utf-8")
    ingest(ws, path)
    ws.connection.execute("UPDATE ingests SET source_bytes = NULL")
    copy = tmp_path / "copy.csv"  # another name, the same bytes
    copy.write_bytes(path.read_bytes())
    assert ingest(ws, copy).skipped_as_duplicate_of == 1
    assert ws.connection.execute("SELECT count(*) FROM events").fetchall()[0][0] == 2
    ws.close()


def test_the_same_file_twice_in_one_command_loads_once(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "e.csv"
    path.write_text(ROWS, encoding="utf-8")
    first, second = ingest_many(ws, [path, path])
    assert first.rows_loaded == 2 and second.skipped_as_duplicate_of == first.ingest_id
    ws.close()


def test_a_hash_that_fails_is_raised_to_the_caller(tmp_path):
    result = fingerprint_later(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError):
        result()
