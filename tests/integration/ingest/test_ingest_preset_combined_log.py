"""``--preset combined-log``: Apache/Nginx access logs into the events table."""

import gzip
import json
import time
from datetime import datetime

import pytest

from applens.errors import InvalidParameterError, TooManyRejectsError
from applens.ingest import ingest
from applens.workspace import Workspace

LOG = (
    '10.0.0.1 - - [17/May/2015:10:05:03 +0200] "GET /index.html HTTP/1.1" 200 2326 '
    '"http://example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/40.0"\n'
    '10.0.0.2 - alice [17/May/2015:10:06:00 -0300] "POST /login?next=/a HTTP/1.0" 302 - "-" '
    '"curl/7.1"\n'
    "this is not an access log line\n"
    "\n"
    '10.0.0.1 - - [31/Feb/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n'
    '10.0.0.3 - - [17/May/2015:23:59:59 +0000] "GET /a\\"b HTTP/1.1" 404 12 "-" '
    '"Googlebot/2.1 (+http://www.google.com/bot.html)" "-"\n'
)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def rows(ws, sql):
    return ws.connection.execute(sql).fetchall()


def test_fields_offsets_and_properties(workspace, tmp_path):
    summary = ingest(workspace, write(tmp_path / "access.log", LOG), preset="combined-log",
                               max_rejects="100%")
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (6, 3, 3)
    assert summary.format == "combined-log"
    got = rows(workspace, "SELECT ts, user_id, event, ip, path, method, protocol, status, bytes, "
                          "referrer, user_agent FROM events ORDER BY ip")
    assert got[0] == (datetime(2015, 5, 17, 8, 5, 3), "10.0.0.1", "pageview", "10.0.0.1",
                      "/index.html", "GET", "HTTP/1.1", 200, 2326, "http://example.com/",
                      "Mozilla/5.0 (X11; Linux x86_64) Firefox/40.0")
    # -03:00 is three hours behind UTC; the authenticated user wins over the IP; "-" is missing
    assert got[1] == (datetime(2015, 5, 17, 13, 6, 0), "alice", "pageview", "10.0.0.2",
                      "/login?next=/a", "POST", "HTTP/1.0", 302, None, None, "curl/7.1")
    # an escaped quote inside the request, and the extra trailing field some servers add
    assert got[2][4] == '/a\\"b' and got[2][7] == 404
    types = dict(rows(workspace, "SELECT column_name, data_type FROM duckdb_columns() "
                                 "WHERE table_name = 'events'"))
    assert types["status"] == types["bytes"] == "BIGINT"


def test_lines_that_do_not_parse_are_rejected_with_their_line_number(workspace, tmp_path):
    ingest(workspace, write(tmp_path / "access.log", LOG), preset="combined-log",
           max_rejects="100%")
    got = rows(workspace, 'SELECT line, "column", value, reason FROM rejects ORDER BY line')
    assert [(line, value) for line, _, value, _ in got] == [
        (3, "this is not an access log line"), (4, ""),
        (5, "31/Feb/2015:10:05:03 +0000"),
    ]
    assert got[0][3].startswith("line is not in the combined log format")
    assert "does not match --ts-format" in got[2][3]  # parses as a line, impossible date


def test_the_real_apache_log_its_one_truncated_line_and_idempotency(workspace, shared_data):
    log = shared_data / "apache_access_logs" / "apache_logs"
    started = time.monotonic()
    summary = ingest(workspace, log, preset="combined-log", max_rejects="100%")
    seconds = time.monotonic() - started
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (10_000, 9_999, 1)
    assert seconds < 20  # about 1 s here; a regex per row in Python would still pass, a hang not
    (line,), = rows(workspace, "SELECT line FROM rejects")
    assert line == 8899  # the last field lost its closing quote in the published file
    assert rows(workspace, "SELECT count(DISTINCT ip), count(*) FILTER (user_id <> ip) "
                           "FROM events") == [(1753, 0)]
    assert rows(workspace, "SELECT min(ts), max(ts) FROM events") == [
        (datetime(2015, 5, 17, 10, 5), datetime(2015, 5, 20, 21, 5, 59))]
    again = ingest(workspace, log, preset="combined-log", max_rejects="100%")
    assert again.skipped_as_duplicate_of == summary.ingest_id
    assert rows(workspace, "SELECT count(*) FROM events") == [(9_999,)]


def test_gzipped_log_and_max_rejects_changes_nothing(workspace, tmp_path):
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(LOG.encode()))
    with pytest.raises(TooManyRejectsError, match="line 3"):
        ingest(workspace, path, preset="combined-log", max_rejects="1")
    assert not workspace.has_table("events")
    assert ingest(workspace, path, preset="combined-log", max_rejects="100%").rows_loaded == 3


def test_unknown_preset_and_conflicting_options(workspace, tmp_path):
    log = write(tmp_path / "access.log", LOG)
    with pytest.raises(InvalidParameterError, match="Did you mean 'combined-log'"):
        ingest(workspace, log, preset="combined-logs")
    with pytest.raises(InvalidParameterError, match="drop --input-format"):
        ingest(workspace, log, preset="combined-log", fmt="csv")


def test_cli_option_and_sources_in_applens_toml(run_cli, tmp_path):
    log = write(tmp_path / "access.log", LOG)
    result = run_cli("init", tmp_path / "a")
    assert result.exit_code == 0, result.stderr
    result = run_cli("ingest", log, "--preset", "combined-log", "--max-rejects", "100%",
                     "-w", tmp_path / "a",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["rows_loaded"] == 3

    folder = tmp_path / "b"
    assert run_cli("init", folder).exit_code == 0
    write(folder / "access.log", LOG)
    with (folder / "applens.toml").open("a") as handle:
        handle.write('\n[[sources]]\npath = "access.log"\npreset = "combined-log"\n')
    result = run_cli("ingest", "-w", folder, "--format", "json", "--max-rejects", "100%")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["format"] == "combined-log"
    with Workspace.open(folder) as ws:
        assert rows(ws, "SELECT count(*) FROM events") == [(3,)]

    result = run_cli("ingest", log, "--preset", "nginx", "-w", tmp_path / "a")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "combined-log" in result.stderr


def test_cli_table_shows_the_reject_reason_verbatim(run_cli, tmp_path):
    log = write(tmp_path / "access.log", LOG)
    assert run_cli("init", tmp_path / "c").exit_code == 0
    result = run_cli("ingest", log, "--preset", "combined-log", "--max-rejects", "100%",
                     "-w", tmp_path / "c")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())  # Rich wraps long lines
    assert "3 rows rejected" in text and "[dd/Mon/yyyy:hh:mm:ss +zzzz]" in text  # not markup
