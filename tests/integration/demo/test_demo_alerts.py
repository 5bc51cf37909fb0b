"""The demo's monitors raise only what was planted, whatever the seed and end date (issue
17 item 8: run on another day, the demo raised 16 alerts, 11 of them "-100 %" drops on
slices where a few people at night make all the events).

Small demos (fast) check that no alert falls outside the ground truth; the README's size
and 3000 users (issue 15) check that the planted outage and campaign are found, each once,
and nothing else.
"""

from __future__ import annotations

import datetime as dt

import pytest

from applens.demo import generate
from applens.demo._truth import GroundTruth
from applens.demo.job import _anomalies
from applens.ingest import ingest
from applens.workspace import Workspace


def _replay(folder, *, users, seed, end_date):
    truth = generate(folder / "data", users=users, days=35, seed=seed, end_date=end_date)
    ws = Workspace.init(folder)
    try:
        ingest(ws, folder / "data" / "events.parquet")
        return _anomalies(ws, truth), truth
    finally:
        ws.close()


def _assert_outage_found_once(finding, truth: GroundTruth):
    # One alert, on the planted slice: no sibling version, no other OS, no total beside it.
    outage = finding.data["outage_alerts"]
    assert len(outage) == 1, finding.headline
    assert (outage[0]["os"], outage[0]["app_version"]) == (truth.outage.os,
                                                           truth.outage.app_version)
    assert outage[0]["direction"] == "drop"
    assert outage[0]["value"] < 0.5 * outage[0]["expected"]


def _unplanted(finding, truth: GroundTruth):
    data = finding.data
    planted = data["outage_alerts"] + data["campaign_alerts"]
    return [a for a in data["alerts"] if a not in planted]


@pytest.mark.parametrize(("seed", "end_date"), [
    (0, dt.date(2026, 12, 7)), (1, dt.date(2026, 11, 22)), (2, dt.date(2026, 3, 15)),
    (3, dt.date(2026, 7, 1)),
])
def test_small_demos_raise_no_alert_that_was_not_planted(tmp_path, seed, end_date):
    finding, truth = _replay(tmp_path, users=1500, seed=seed, end_date=end_date)
    assert _unplanted(finding, truth) == []


@pytest.mark.parametrize("end_date", [dt.date(2026, 11, 22), dt.date(2026, 12, 7)])
def test_the_readme_demo_finds_what_was_planted_and_nothing_else(tmp_path, end_date):
    finding, truth = _replay(tmp_path, users=5000, seed=0, end_date=end_date)
    data = finding.data
    _assert_outage_found_once(finding, truth)
    assert len(data["campaign_alerts"]) == 1, finding.headline
    assert data["campaign_alerts"][0]["value"] > 1.5 * data["campaign_alerts"][0]["expected"]
    assert _unplanted(finding, truth) == []


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_a_3000_user_demo_finds_the_outage_and_the_campaign_and_nothing_else(tmp_path, seed):
    # Issue 15: with 3000 users an earlier zero slice used to blind the detector for
    # weeks. The campaign is found (seed 8's since the count-aware view), and nothing
    # else alerts (seed 8's Saturday-evening rise of active users, 3.4 sigma over three
    # hours, did until another view's crossing on counts needed 3.5 sigma of support).
    # The outage is found since it hits the Android slice most people are on, at the
    # evening peak (~7 people per 15 minutes); see DEMO_MONITORS in demo/job.py.
    finding, truth = _replay(tmp_path, users=3000, seed=seed, end_date=dt.date(2026, 12, 7))
    _assert_outage_found_once(finding, truth)
    spikes = finding.data["campaign_alerts"]
    assert len(spikes) == 1, finding.headline
    assert spikes[0]["value"] > 1.5 * spikes[0]["expected"]
    assert spikes[0]["slot"].startswith(truth.campaign.date)
    assert _unplanted(finding, truth) == []
