"""Choosing an engine: names, URLs, the workspace setting and ``applens query --engine``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from applens.cli import main
from applens.engines import check_engine, open_engine
from applens.errors import ConfigError, SourceError
from applens.insights import query
from applens.workspace import Workspace

EVENTS = pd.DataFrame({
    "user_id": ["a", "b", "a", "c"],
    "ts": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 23:30", "2024-03-02 10:00",
                          "2024-03-02 11:00"]),
    "event": ["view", "view", "click", "view"],
})
SPEC = {"kind": "active_users", "math": ["dau", "total"], "date_from": "2024-03-01",
        "date_to": "2024-03-02"}


def test_unknown_engine_suggests_a_name():
    with pytest.raises(ConfigError, match="Did you mean 'chdb'"):
        check_engine("chbd")
    assert check_engine("clickhouse://localhost:8123/db").startswith("clickhouse://")


def test_server_url_errors_are_one_line_and_hide_the_password():
    pytest.importorskip("clickhouse_connect", reason="needs the 'clickhouse' extra")
    with pytest.raises(SourceError) as info:
        open_engine("clickhouse://me:s3cret@127.0.0.1:1/db")  # nothing listens on port 1
    assert "s3cret" not in str(info.value) and "127.0.0.1" in str(info.value)
    with pytest.raises(ConfigError, match="its own events/users"):
        open_engine("clickhouse://127.0.0.1:1/db", {"events": EVENTS})


def test_workspace_engine_setting(tmp_path):
    pytest.importorskip("chdb", reason="needs the 'clickhouse' extra")
    ws = Workspace.init(tmp_path / "ws")
    ws.backend.create_table("events", EVENTS)
    ws.close()
    with Workspace.open(tmp_path / "ws") as ws:
        duck = query(SPEC, ws).to_dict()
    assert duck == {"periods": ["2024-03-01", "2024-03-02"], "dau": [2, 2], "total": [2, 2]}
    config = tmp_path / "ws" / "applens.toml"
    config.write_text(config.read_text() + '\nengine = "chdb"\n')
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.settings.engine == "chdb"
        assert query(SPEC, ws).to_dict() == duck
        assert query(SPEC, ws, engine="duckdb").to_dict() == duck


def test_query_engine_flag_on_files(tmp_path, capsys):
    pytest.importorskip("chdb", reason="needs the 'clickhouse' extra")
    path = tmp_path / "events.parquet"
    EVENTS.to_parquet(path)
    answers = []
    for engine in ("duckdb", "chdb"):
        with pytest.raises(SystemExit) as info:
            main(["query", json.dumps(SPEC), "--events", str(path), "--engine", engine,
                  "--format", "json"])
        assert info.value.code == 0
        answers.append(json.loads(capsys.readouterr().out))
    assert answers[0] == answers[1] == {"periods": ["2024-03-01", "2024-03-02"],
                                        "dau": [2, 2], "total": [2, 2]}
    with pytest.raises(SystemExit) as info:
        main(["query", json.dumps(SPEC), "--events", str(path), "--engine", "oracle"])
    assert info.value.code == 1 and "Unknown engine 'oracle'" in capsys.readouterr().err
