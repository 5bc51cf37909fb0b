"""read = loaded + rejected = data records, on every malformed or odd file."""

import pytest

from applens.ingest import ingest
from tests.support.csv_corpus import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_record_is_loaded_or_rejected_on_its_own_line(case, workspace, tmp_path):
    path = tmp_path / f"{case.name}.csv"
    path.write_bytes(case.data)
    summary = ingest(workspace, path, max_rejects="100%")
    assert summary.rows_read == summary.rows_loaded + summary.rows_rejected == case.records
    assert summary.rows_loaded == case.loaded
    lines = workspace.connection.execute("SELECT line FROM rejects ORDER BY line").fetchall()
    assert tuple(line for (line,) in lines) == case.rejected_lines
    if case.events:
        got = workspace.connection.execute("SELECT event FROM events ORDER BY ts").fetchall()
        assert tuple(e for (e,) in got) == case.events


def test_an_unclosed_quote_is_rejected_with_a_reason_that_says_so(workspace, tmp_path):
    case = CASES[0]
    path = tmp_path / "q.csv"
    path.write_bytes(case.data)
    ingest(workspace, path, max_rejects="100%")
    (value, reason), = workspace.connection.execute("SELECT value, reason FROM rejects").fetchall()
    assert value == '2024-06-01 10:00:03,u3,"vi' and "quote" in reason
