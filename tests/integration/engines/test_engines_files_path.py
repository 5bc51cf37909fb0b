"""``applens query --events FILE``: the same mapping, presets and reader as ``applens ingest``."""

from __future__ import annotations

import json

import pytest

from applens.engines.files import read_table
from applens.errors import SourceError
from applens.ingest import ingest
from applens.ingest.frame import read_frame
from applens.workspace import Workspace
from tests.support.csv_corpus import CASES
from tests.support.encoding_corpus import CASES as ENCODINGS
from tests.support.encoding_corpus import TEXTS, csv_text

SPEC = json.dumps({"kind": "active_users", "math": ["dau", "total"],
                   "date_from": "2024-06-01", "date_to": "2024-06-02"})
ODD = ("when,who,what\n2024-06-01 10:00:00,a,view\n2024-06-01 23:30:00,b,view\n"
       "2024-06-02 10:00:00,a,click\n2024-06-02 11:00:00,c,view\n")
LOG = ('1.2.3.4 - - [01/Jun/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"\n'
       '1.2.3.5 - - [02/Jun/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl"\n')


def test_other_column_names_are_an_error_with_the_map_hint_not_a_traceback(run_cli, tmp_path):
    (tmp_path / "odd.csv").write_text(ODD)
    result = run_cli("query", SPEC, "--events", tmp_path / "odd.csv")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert "'ts'" in message and "--map ts=<column>" in message


def test_map_gives_what_an_ingest_with_the_same_map_gives(run_cli, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(ODD)
    maps = ["--map", "ts=when", "--map", "user_id=who", "-m", "event=what"]
    direct = run_cli("query", SPEC, "--events", path, *maps, "--format", "json")
    assert direct.exit_code == 0, direct.stderr
    assert run_cli("init", tmp_path / "ws").exit_code == 0
    assert run_cli("ingest", path, *maps, "-w", tmp_path / "ws").exit_code == 0
    stored = run_cli("query", SPEC, "-w", tmp_path / "ws", "--format", "json")
    assert json.loads(direct.stdout) == json.loads(stored.stdout)
    assert json.loads(direct.stdout)["dau"] == [2, 2]


def test_presets_work_on_the_files_path(run_cli, tmp_path):
    (tmp_path / "access.log").write_text(LOG)
    result = run_cli("query", SPEC, "--events", tmp_path / "access.log",
                     "--preset", "combined-log", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["dau"] == [1, 1]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_path_reads_the_corpus_alike(case, run_cli, tmp_path):
    """ingest, --events, read_table and read_frame: the same rows, or a refusal naming the
    first line that ingest rejects."""
    path = tmp_path / f"{case.name}.csv"
    path.write_bytes(case.data)
    with Workspace.init(tmp_path / "ws") as ws:
        ingest(ws, path, max_rejects="100%")
        ingested = [e for (e,) in ws.connection.execute(
            "SELECT event FROM events ORDER BY ts").fetchall()]
    spec = json.dumps({"kind": "active_users", "math": ["total"], "date_from": "2024-06-01",
                       "date_to": "2024-06-01"})
    result = run_cli("query", spec, "--events", path, "--max-rejects", "100%", "--format",
                     "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["total"] == [len(ingested)]
    if case.rejected_lines:
        for read in (read_table, read_frame):
            with pytest.raises(SourceError, match=f"line {case.rejected_lines[0]}\\b"):
                read(path)
        return
    assert read_table(path).column("event").to_pylist() == ingested
    assert read_frame(path)["event"].tolist() == ingested


@pytest.mark.parametrize(("language", "encoding"), ENCODINGS,
                         ids=[f"{a}-{b}" for a, b in ENCODINGS])
def test_every_path_reads_the_encoding_corpus_alike(language, encoding, tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(csv_text(language).encode(encoding))
    with Workspace.init(tmp_path / "ws") as ws:
        ingest(ws, path)
        ingested = [e for (e,) in ws.connection.execute(
            "SELECT event FROM events ORDER BY ts").fetchall()]
    assert ingested == TEXTS[language]
    assert read_frame(path)["event"].tolist() == ingested
    assert read_table(path).column("event").to_pylist() == ingested
