"""The main job end to end: what applens finds on the demo data matches what was planted."""

import datetime as dt
import json

import pytest

from applens.demo.job import run_demo

END = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    result = run_demo(folder, users=3_000, days=28, seed=7, end_date=END)
    truth = json.loads((folder / "data" / "ground_truth.json").read_text())
    return result, {f.section: f for f in result.findings}, truth


def test_every_analysis_runs_and_writes_its_output(demo):
    result, findings, _ = demo
    assert list(findings) == ["data", "activity", "retention", "funnel", "experiment",
                              "anomalies", "support", "models"]
    for section in findings:
        name = {"data": "overview"}.get(section, section)
        assert json.loads((result.outputs / f"{name}.json").read_text())["headline"]


def test_all_generated_rows_are_ingested(demo):
    _, findings, truth = demo
    assert findings["data"].data["events"] == truth["data"]["events"]
    assert findings["data"].data["rejects"] == 0


def test_ads_users_retain_worse_than_organic(demo):
    day7 = demo[1]["retention"].data["day7"]
    assert day7["organic"] - day7["ads"] > 0.05


def test_planted_ctr_effect_is_detected_and_the_aa_pair_is_not(demo):
    _, findings, truth = demo
    readouts = findings["experiment"].data["readouts"]
    ab, aa = readouts["ab"]["metrics"][0], readouts["aa"]["metrics"][0]
    assert ab["p_value"] < 0.01
    assert ab["ci_low"] <= truth["experiment"]["true_effect"] <= ab["ci_high"]
    assert aa["p_value"] > 0.01
    assert readouts["ab"]["srm"]["p_value"] > 0.001  # the hash split is balanced


def test_activity_numbers_are_consistent(demo):
    data = demo[1]["activity"].data
    assert all(d <= w <= m for d, w, m in zip(data["dau"], data["wau"], data["mau"], strict=True))


def test_demo_is_rebuilt_cleanly_when_run_again(tmp_path):
    first = run_demo(tmp_path, users=300, days=21, seed=1, end_date=END)
    again = run_demo(tmp_path, users=300, days=21, seed=1, end_date=END)
    assert first.findings[0].data == again.findings[0].data  # no duplicated rows
    assert [p.name for p in (tmp_path / "models" / "crash").iterdir()] == ["v1"]


def test_every_alert_is_in_the_ground_truth(demo):
    # Nothing unplanted may alert (test_demo_alerts.py checks the outage is found at 35
    # days; this month of 28 days is another layout of the same plan).
    _, findings, _ = demo
    data = findings["anomalies"].data
    planted = data["outage_alerts"] + data["campaign_alerts"]
    assert [a for a in data["alerts"] if a not in planted] == []


def test_planted_campaign_is_reported(demo):
    _, findings, truth = demo
    spikes = findings["anomalies"].data["campaign_alerts"]
    assert len(spikes) == 1, spikes
    assert spikes[0]["slot"].startswith(truth["campaign"]["date"])
    assert spikes[0]["value"] > 1.5 * spikes[0]["expected"]


def test_monitor_history_is_kept_in_the_demo_workspace(demo):
    from applens.monitor import alert_history
    from applens.workspace import Workspace

    result, findings, _ = demo
    with Workspace(result.workspace) as ws:
        history = alert_history(ws)
    assert len(history) == (len(findings["anomalies"].data["alerts"])
                            + len(findings["support"].data["alerts"]))
    assert set(history["status"]) <= {"open", "resolved"}


def test_the_tickets_monitor_alerts_on_nothing_unplanted(demo):
    data = demo[1]["support"].data
    assert [a for a in data["alerts"] if a not in data["complaint_alerts"]] == []
    assert data["tickets"] == data["planted"]["tickets"]  # every ticket ingested


def test_models_name_the_buggy_release_and_find_the_planted_bots(demo):
    _, findings, truth = demo
    models = findings["models"].data
    assert models["worst_app_version"] == truth["buggy_app_version"]
    found = models["planted_bots_found"]
    assert sorted(found["user"]) == sorted(truth["bots"]["user_ids"])
    assert sorted(found["ip"]) == sorted(truth["bots"]["ips"])
    planted = len(truth["bots"]["user_ids"]) + len(truth["bots"]["ips"])
    assert models["bots_flagged"] <= planted + 3  # few humans flagged
    assert models["personas"] >= 2
    # 28 days are too few for churn's time-aware validation (two 14-day horizons): the demo
    # says so instead of failing (the 35-day default trains it; see tests/integration/models).
    churn = models["train"]["churn"]
    assert churn["estimator"] == "skipped" and "horizon" in churn["skipped"]
    assert "skipped churn" in findings["models"].headline
