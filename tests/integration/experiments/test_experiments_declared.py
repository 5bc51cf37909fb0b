"""``[experiments.<name>]`` read out from a tiny workspace whose every number is checked by hand.

Timezone Europe/Moscow (UTC+3, no DST in 2024): naive times below are Moscow wall clock.
Retention uses local calendar days: u1 is exposed at 23:30 and back at 00:10, 40 minutes
later — retention_1 = 1 (a rolling 24 h window would call that day 0).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from applens.errors import ConfigError, DataError, InsufficientDataError, NotFoundError
from applens.experiments import analyze_experiment
from applens.experiments.declared import experiment_frame, list_experiments
from applens.experiments.definition import experiment_config
from applens.ingest import ingest
from applens.workspace import Workspace

EVENTS = """ts,user_id,event,variant,value
2024-02-25 10:00:00,u5,view,,
2024-02-28 09:00:00,u1,view,,
2024-02-28 09:01:00,u1,like,,
2024-03-01 23:30:00,u1,exposure,control,
2024-03-01 23:35:00,u1,view,,
2024-03-01 23:36:00,u1,view,,
2024-03-01 23:40:00,u1,like,,
2024-03-02 00:10:00,u1,app_open,,
2024-03-01 10:00:00,u2,exposure,control,
2024-03-01 10:05:00,u2,view,,
2024-03-03 08:00:00,u2,app_open,,
2024-03-06 12:00:00,u2,app_open,,
2024-03-02 09:00:00,u3,exposure,treatment,
2024-03-02 09:05:00,u3,view,,
2024-03-02 09:06:00,u3,view,,
2024-03-02 09:07:00,u3,view,,
2024-03-02 09:08:00,u3,like,,
2024-03-02 09:09:00,u3,like,,
2024-03-02 09:30:00,u3,purchase,,5.0
2024-03-03 20:00:00,u3,app_open,,
2024-03-02 12:00:00,u4,exposure,treatment,
2024-03-02 12:01:00,u4,view,,
2024-03-04 22:00:00,u6,exposure,control,
2024-03-04 22:10:00,u6,view,,
2024-03-05 01:00:00,u6,view,,
2024-03-03 10:00:00,u7,exposure,control,
2024-03-03 11:00:00,u7,exposure,treatment,
"""

CONFIG = """
timezone = "Europe/Moscow"

[experiments.feed]
exposure_event = "exposure"
variant_property = "variant"
variants = ["control", "treatment"]
start = 2024-03-01
end = 2024-03-05
metrics = ["ctr=like/view", "retention_1", "conversion:purchase", "revenue:purchase"]
guardrails = ["count:view"]
bootstrap_resamples = 0

[experiments.feed_ret3]
exposure_event = "exposure"
variants = ["control", "treatment"]
start = 2024-03-01
end = 2024-03-05
metrics = ["retention_1", "retention_3"]
cuped = true
pre_period_days = 7
"""


def make_workspace(folder: Path, config: str = CONFIG, events: str = EVENTS) -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "applens.toml").write_text(config, encoding="utf-8")
    (folder / "events.csv").write_text(events, encoding="utf-8")
    ws = Workspace.init(folder)
    ingest(ws, folder / "events.csv")
    return ws


@pytest.fixture
def ws(tmp_path):
    workspace = make_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


def test_per_user_metrics_by_hand(ws):
    frame, notes = experiment_frame(ws, experiment_config(ws.settings.experiments, "feed"))
    frame = frame.set_index("user_id").sort_index()
    assert list(frame.index) == ["u1", "u2", "u3", "u4", "u6", "u7"]  # u5 was never exposed
    assert frame.variant.tolist() == ["control", "control", "treatment", "treatment", "control",
                                      "control"]  # u7 keeps the variant of its first exposure
    assert frame["ctr__num"].tolist() == [1, 0, 2, 0, 0, 0]  # u1's pre-exposure like not counted
    assert frame["ctr__den"].tolist() == [2, 1, 3, 1, 1, 0]  # u6's view after `end` not counted
    # u1 back 40 min later but on the next calendar day; u2 back on day 2; u6 back after `end`.
    assert frame["retention_1"].tolist() == [1, 0, 1, 0, 1, 0]
    assert frame["conversion_purchase"].tolist() == [0, 0, 1, 0, 0, 0]
    assert frame["revenue_purchase"].tolist() == [0, 0, 5.0, 0, 0, 0]
    assert frame["count_view"].tolist() == [2, 1, 3, 1, 1, 0]
    assert any("1 users were exposed to more than one variant" in n for n in notes)


def test_retention_not_over_yet_is_left_out_and_cuped_covariates(ws):
    frame, notes = experiment_frame(ws, experiment_config(ws.settings.experiments, "feed_ret3"))
    frame = frame.set_index("user_id").sort_index()
    # Data ends on 2024-03-06 (local): day 3 of u6 (03-07) is in the future, and day 3 of u7
    # (03-06) is the last day with data, which counts as over only once a later day has data.
    assert frame["retention_3"].isna().tolist() == [False, False, False, False, True, True]
    assert frame["retention_3"].fillna(-1).tolist() == [0, 0, 0, 0, -1, -1]
    assert any("retention_3: 2 users" in n for n in notes)
    # Pre-period covariate of retention = active local days in the 7 days before exposure.
    assert frame["retention_1__pre"].tolist() == [1, 0, 0, 0, 0, 0]


def test_analyze_experiment_readout(ws):
    readout = analyze_experiment(ws, "feed")
    assert readout.control == "control" and readout.treatments == ("treatment",)
    assert list(readout.srm.observed) == [4, 2]
    ctr = readout.metric("ctr")
    assert (ctr.control_mean, ctr.treatment_mean) == (0.25, 0.5)  # Σlikes/Σviews per arm
    assert ctr.kind == "ratio" and ctr.method == "delta_method"
    ret = readout.metric("retention_1")
    assert (ret.control_mean, ret.treatment_mean, ret.kind) == (0.5, 0.5, "proportion")
    guard = readout.metric("count_view")
    assert guard.role == "guardrail" and guard.p_adjusted == guard.p_value
    primaries = [m for m in readout.metrics if m.role == "metric"]
    assert len(primaries) == 4
    assert all(m.decision for m in readout.metrics)


def test_cli_analyze_experiment_json_and_csv(ws, run_cli):
    result = run_cli("ab", "analyze", "--experiment", "feed", "-w", str(ws.path),
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["srm"]["observed"] == [4, 2]
    assert [m["metric"] for m in payload["metrics"]][:2] == ["ctr", "retention_1"]
    result = run_cli("ab", "analyze", "--experiment", "feed", "-w", str(ws.path), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("metric,kind,control,treatment")
    assert "SRM check" in result.stderr
    table = run_cli("ab", "analyze", "--experiment", "feed", "-w", str(ws.path))
    assert table.exit_code == 0, table.stderr
    assert table.stdout.index("SRM check") < table.stdout.index("ctr")


def test_cli_list_and_errors(ws, run_cli):
    listed = run_cli("ab", "list", "-w", str(ws.path), "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)] == ["feed", "feed_ret3"]
    assert list_experiments(ws)[0]["assignment"] == "event exposure.variant"
    unknown = run_cli("ab", "analyze", "--experiment", "fed", "-w", str(ws.path))
    assert unknown.exit_code != 0 and "Did you mean 'feed'" in unknown.stderr
    mixed = run_cli("ab", "analyze", "--experiment", "feed", "--metric", "x", "-w", str(ws.path))
    assert mixed.exit_code != 0 and "--metric" in mixed.stderr
    neither = run_cli("ab", "analyze", "-w", str(ws.path))
    assert neither.exit_code != 0 and "--experiment" in neither.stderr


def test_unknown_key_is_a_config_error_with_did_you_mean(tmp_path):
    config = CONFIG.replace("bootstrap_resamples = 0", "bootstrap_resamples = 0\nguardrail = []")
    ws = make_workspace(tmp_path / "bad", config)
    try:
        with pytest.raises(ConfigError,
                           match=r"experiments\.feed\.guardrail.*Did you mean 'guardrails'"):
            analyze_experiment(ws, "feed")
        with pytest.raises(NotFoundError, match="No experiment 'nope'"):
            analyze_experiment(ws, "nope")
    finally:
        ws.close()


def test_undeclared_arm_and_empty_arm_are_clear_errors(tmp_path):
    events = EVENTS.replace("u4,exposure,treatment", "u4,exposure,treatmnt")
    ws = make_workspace(tmp_path / "arm", events=events)
    try:
        with pytest.raises(DataError, match=r"arms \['treatmnt'\].*Did you mean 'treatment'"):
            analyze_experiment(ws, "feed")
    finally:
        ws.close()
    config = CONFIG.replace("end = 2024-03-05", "end = 2024-03-02", 1)
    ws = make_workspace(tmp_path / "empty", config)
    try:
        with pytest.raises(InsufficientDataError, match=r"no exposed users in \['treatment'\]"):
            analyze_experiment(ws, "feed")
    finally:
        ws.close()


def test_users_column_and_salt_assignment(tmp_path):
    config = """
timezone = "Europe/Moscow"
[experiments.by_users]
users_column = "program"
variants = ["a", "b"]
start = 2024-03-01
end = 2024-03-05
metrics = ["count:view"]
bootstrap_resamples = 0

[experiments.by_hash]
salt = "feed-1"
variants = ["control", "treatment"]
start = 2024-03-01
end = 2024-03-05
metrics = ["count:view"]
"""
    ws = make_workspace(tmp_path / "u", config)
    try:
        users = tmp_path / "users.csv"
        users.write_text("user_id,program\nu1,a\nu2,b\nu3,a\nu4,b\nu6,a\n", encoding="utf-8")
        ingest(ws, users, table="users")
        frame, _ = experiment_frame(ws, experiment_config(ws.settings.experiments, "by_users"))
        frame = frame.set_index("user_id").sort_index()
        assert frame.variant.to_dict() == {"u1": "a", "u2": "b", "u3": "a", "u4": "b", "u6": "a"}
        # First seen in the window: u1's first event on/after 03-01 00:00 local is 23:30.
        assert pd.Timestamp(frame.loc["u1", "anchor"]) == pd.Timestamp("2024-03-01 20:30:00")
        from applens.experiments import assign_group

        frame, _ = experiment_frame(ws, experiment_config(ws.settings.experiments, "by_hash"))
        for user, arm in zip(frame.user_id, frame.variant, strict=True):
            assert arm == ["control", "treatment"][assign_group(user, "feed-1", [1.0, 1.0])]
    finally:
        ws.close()


def test_nan_free_numbers(ws):
    readout = analyze_experiment(ws, "feed")
    for m in readout.metrics:
        assert not math.isnan(m.control_mean)


def test_retention_days_follow_local_calendar_across_dst(tmp_path):
    """America/New_York springs forward on 2024-03-10 (a 23-hour day)."""
    events = """ts,user_id,event,variant
2024-03-09 23:30:00,a,exposure,control
2024-03-10 23:59:00,a,app_open,
2024-03-09 00:30:00,b,exposure,treatment
2024-03-10 00:10:00,b,app_open,
2024-03-09 12:00:00,c,exposure,control
2024-03-11 00:30:00,c,app_open,
2024-03-15 12:00:00,z,app_open,
"""
    config = """
timezone = "America/New_York"
[experiments.dst]
exposure_event = "exposure"
variants = ["control", "treatment"]
start = 2024-03-09
end = 2024-03-10
metrics = ["retention_1", "retention_2"]
"""
    ws = make_workspace(tmp_path / "dst", config, events)
    try:
        frame, _ = experiment_frame(ws, experiment_config(ws.settings.experiments, "dst"))
        frame = frame.set_index("user_id").sort_index()
        # a: back 24 h 29 min later (wall clock) = 23 h 29 min of real time, still day 1;
        # b: back 23 h 40 min later, day 1; c: back on 03-11, day 2.
        assert frame["retention_1"].tolist() == [1, 1, 0]
        assert frame["retention_2"].tolist() == [0, 0, 1]
    finally:
        ws.close()
