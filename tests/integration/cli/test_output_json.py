"""The CLI's --format json goes through the one strict serialiser."""

from __future__ import annotations

import json

import pandas as pd

from applens.cli._output import OutputFormat, emit
from tests.unit.test_serialize import every_dtype_frame, strict_loads


def test_emit_json_of_every_dtype_is_strict_json(capsys):
    emit(every_dtype_frame(), OutputFormat.json)
    rows = strict_loads(capsys.readouterr().out)
    assert rows[0]["naive"] == "2026-11-01T10:30:00" and rows[1]["naive"] is None
    assert rows[1]["Int64"] is None and rows[0]["decimal"] == 1.1
    assert rows[0]["float"] == 0.5 and rows[1]["float"] is None


def test_emit_csv_of_every_dtype_has_iso_dates_and_empty_missing(capsys):
    emit(every_dtype_frame(), OutputFormat.csv)
    frame = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out), dtype=str,
                        keep_default_na=False)
    assert list(frame["naive"]) == ["2026-11-01T10:30:00", "", "2026-11-03T00:00:05"]
    assert list(frame["Int64"]) == ["1", "", "3"]


def test_query_json_on_a_real_workspace_is_strict(run_cli, tmp_path):
    assert run_cli("init", tmp_path / "ws").exit_code == 0
    data = tmp_path / "e.csv"
    data.write_text("ts,user_id,event\n2024-06-01 10:00:00,u1,view\n"
                    "2024-06-02 11:00:00,u2,buy\n")
    assert run_cli("ingest", data, "-w", tmp_path / "ws").exit_code == 0
    spec = json.dumps({"kind": "funnel", "steps": [{"event": "view"}, {"event": "buy"}],
                       "date_from": "2024-06-01", "date_to": "2024-06-03"})
    result = run_cli("query", spec, "-w", tmp_path / "ws", "--format", "json")
    assert result.exit_code == 0, result.stderr
    strict_loads(result.stdout)
