"""``applens query`` end to end: a workspace, files, bad specs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from applens.cli import main
from applens.insights import query
from applens.workspace import Workspace

EVENTS = pd.DataFrame({
    "user_id": ["a", "b", "a"],
    "ts": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 23:30", "2024-03-02 10:00"]),
    "event": ["view", "view", "click"],
})
SPEC = {"kind": "active_users", "math": ["dau", "total"], "date_from": "2024-03-01",
        "date_to": "2024-03-02"}


def _cli(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_query_workspace_json(tmp_path, capsys):
    ws = Workspace.init(tmp_path / "ws")
    config = tmp_path / "ws" / "applens.toml"
    config.write_text(config.read_text().replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    ws.backend.create_table("events", EVENTS)
    ws.close()
    code, out, _ = _cli(capsys, "query", json.dumps(SPEC), "-w", str(tmp_path / "ws"),
                        "--format", "json")
    assert code == 0
    # Berlin: b's 23:30 UTC event is on 03-02 local.
    assert json.loads(out) == {"periods": ["2024-03-01", "2024-03-02"], "dau": [1, 2],
                               "total": [1, 2]}
    with Workspace.open(tmp_path / "ws") as ws:
        assert query(SPEC, ws).to_dict()["dau"] == [1, 2]


def test_query_files_toml_and_csv(tmp_path, capsys):
    events = tmp_path / "events.csv"
    EVENTS.assign(ts=EVENTS.ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(events, index=False)
    spec = tmp_path / "funnel.toml"
    spec.write_text('kind = "funnel"\ndate_from = "2024-03-01"\ndate_to = "2024-03-02"\n'
                    'steps = [{event = "view"}, {event = "click"}]\n')
    code, out, _ = _cli(capsys, "query", str(spec), "--events", str(events), "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("step,step_count,conversion_rate")
    assert lines[1].startswith("0,2,1.0") and lines[2].startswith("1,1,0.5,86400.0")


def test_query_bad_spec_is_one_line_error(tmp_path, capsys):
    events = tmp_path / "events.parquet"
    EVENTS.to_parquet(events)
    code, out, err = _cli(capsys, "query", '{"kind": "retention", "total_intervalz": 3}',
                          "--events", str(events))
    assert code == 1 and out == ""
    assert "total_intervalz" in err and "Did you mean 'total_intervals'" in err
    code, _, err = _cli(capsys, "query", str(tmp_path / "missing.json"), "--events", str(events))
    assert code == 1 and "does not exist" in err
