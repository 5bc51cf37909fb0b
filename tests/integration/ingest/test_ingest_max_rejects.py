"""max_rejects: the documented 1% default, an error that names the worst rejects, re-ingests
and header-only files."""

import pytest

from applens.errors import TooManyRejectsError
from applens.ingest import ingest

HEADER = "ts,user_id,event\n"
GOOD_ROW = "2024-06-01 10:00:{s:02d},u{s},view\n"


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def bad_file(tmp_path, good=8):
    """``good`` valid rows, two bad timestamps and one empty user id."""
    rows = "".join(GOOD_ROW.format(s=s) for s in range(good))
    return write(tmp_path / "bad.csv", HEADER + rows + "soon,u98,view\nlater,u99,view\n"
                 "2024-06-01 11:00:00,,view\n")


def tables(ws):
    found = ws.connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()
    return {t: ws.connection.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for (t,) in found}


def test_the_documented_default_of_one_percent_is_enforced(workspace, tmp_path):
    assert workspace.settings.max_rejects == "1%"
    with pytest.raises(TooManyRejectsError) as caught:
        ingest(workspace, bad_file(tmp_path))
    message = str(caught.value)
    assert "3 of 11 rows" in message and "max_rejects" in message and "1%" in message
    assert tables(workspace) == {}  # nothing half-written


def test_the_error_names_the_worst_rejects_by_reason_with_line_column_and_value(
        workspace, tmp_path):
    with pytest.raises(TooManyRejectsError) as caught:
        ingest(workspace, bad_file(tmp_path), max_rejects="1")
    message = str(caught.value)
    assert "None" not in message and "\n" not in message
    assert "bad.csv" in message
    # counts by reason, the most frequent first, each with its first line, column and value
    assert message.index("2 × ts is not a timestamp") < message.index("1 × empty user_id")
    assert "line 10, column ts, value 'soon'" in message
    assert "line 12, column user_id, value ''" in message


def test_malformed_csv_rows_are_named_without_none(workspace, tmp_path):
    rows = "".join(GOOD_ROW.format(s=s) for s in range(3))
    path = write(tmp_path / "short.csv", HEADER + rows + "2024-06-01 10:00:09\n")
    with pytest.raises(TooManyRejectsError) as caught:
        ingest(workspace, path)
    message = str(caught.value)
    assert "None" not in message and "line 5" in message and "malformed CSV row" in message


def test_a_reingest_of_the_same_content_does_not_ignore_max_rejects(workspace, tmp_path):
    path = bad_file(tmp_path)
    first = ingest(workspace, path, max_rejects="50%")
    assert first.rows_rejected == 3
    assert ingest(workspace, path, max_rejects="50%").skipped_as_duplicate_of == first.ingest_id
    with pytest.raises(TooManyRejectsError) as caught:
        ingest(workspace, path, max_rejects="1")
    message = str(caught.value)
    assert f"#{first.ingest_id}" in message and "3 of 11 rows" in message


def test_a_header_only_file_loads_nothing_with_a_warning(workspace, tmp_path):
    summary = ingest(workspace, write(tmp_path / "h.csv", HEADER))
    assert summary.rows_loaded == 0
    assert any("no data rows" in w for w in summary.warnings)


def test_the_cli_prints_the_header_only_warning_and_exits_0(run_cli, workspace, tmp_path):
    result = run_cli("ingest", write(tmp_path / "h.csv", HEADER), "--workspace", workspace.path)
    assert result.exit_code == 0
    assert "h.csv has a header but no data rows" in result.stdout + result.stderr
