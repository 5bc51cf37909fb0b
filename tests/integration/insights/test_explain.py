"""``explain``: which slice moved a metric, on the demo's planted outage and campaign and on
hand-made warehouses whose answer is known."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from applens.errors import InsufficientDataError, QueryError
from applens.ingest import ingest
from applens.insights.explain import explain
from applens.workspace import Workspace

END = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from applens.demo.job import run_demo

    folder = tmp_path_factory.mktemp("explain-demo")
    run_demo(folder, users=1500, days=28, seed=3, end_date=END)
    truth = json.loads((folder / "data" / "ground_truth.json").read_text())
    with Workspace.open(folder) as ws:
        yield ws, truth


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.rstrip("Z"))


def _workspace(tmp_path, counts: dict[tuple[str, str, str], int]) -> Workspace:
    """One event per row: (day, os, app_version) -> how many, spread over the day's noon hour."""
    rows = []
    for (day, os, version), n in counts.items():
        for i in range(n):
            rows.append({"ts": f"{day} 12:{i % 60:02d}:00", "user_id": f"u{os}{version}{i}",
                         "event": "view", "os": os, "app_version": version})
    path = tmp_path / "events.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    ws = Workspace.init(tmp_path / "ws")
    ingest(ws, path)
    return ws


def test_the_planted_outage_ranks_first_for_its_drop(demo):
    ws, truth = demo
    outage = truth["outage"]
    start, end = _utc(outage["start"]), _utc(outage["end"])
    expected = f"os={outage['os']} · app_version={outage['app_version']}"
    hours = int((end - start).total_seconds() // 3600)
    # An hour of 1,500 users is a handful of people: compare the outage's hours with the
    # same hours over the previous week(s), where the noise averages out.
    for metric in ("events", "count:view"):
        for days in (7, 14):
            result = explain(ws, metric, start, grain="hour", length=hours, vs_mean=days)
            assert result.change < 0
            assert result.top[0]["slice"] == expected, (metric, days, result.to_frame().head())
            assert result.top[0]["change_pct"] < -0.8


def test_the_campaign_source_ranks_first_for_its_spike(demo):
    ws, truth = demo
    campaign = truth["campaign"]
    day = dt.date.fromisoformat(campaign["date"])
    for metric in ("dau", "count:app_open"):
        result = explain(ws, metric, day, by=["os", "app_version", "source", "country"])
        assert result.change > 0
        assert result.top[0]["slice"] == f"source={campaign['source']}", \
            (metric, result.to_frame().head())


def test_a_quiet_day_against_the_mean_of_a_week_blames_no_slice_by_chance(demo):
    ws, truth = demo
    result = explain(ws, "events", dt.date.fromisoformat(truth["campaign"]["date"]),
                     vs_mean=3)
    assert result.baseline.startswith("the mean")
    frame = result.to_frame()
    for _, part in frame.groupby("dimension"):
        assert part["contribution"].sum() == pytest.approx(1.0)


def test_a_drop_spread_evenly_over_the_slices_blames_none(tmp_path):
    base = {("Android", "5.0"): 300, ("Android", "4.9"): 200, ("iOS", "5.0"): 250,
            ("iOS", "4.9"): 150, ("Web", "5.0"): 100}
    counts = {("2026-11-01", *k): n for k, n in base.items()}
    counts |= {("2026-11-08", *k): n * 4 // 5 for k, n in base.items()}
    with _workspace(tmp_path, counts) as ws:
        result = explain(ws, "events", dt.date(2026, 11, 8), by=["os", "app_version"])
    assert result.change == -200
    assert result.top == ()
    assert "global change" in result.headline()
    frame = result.to_frame()
    assert np.allclose(frame["contribution"], frame["baseline_share"])


def test_hand_checked_numbers(tmp_path):
    counts = {("2026-11-01", "Android", "5.0"): 40, ("2026-11-01", "Android", "4.9"): 20,
              ("2026-11-01", "iOS", "5.0"): 40,
              ("2026-11-08", "Android", "5.0"): 10, ("2026-11-08", "Android", "4.9"): 20,
              ("2026-11-08", "iOS", "5.0"): 40}
    with _workspace(tmp_path, counts) as ws:
        result = explain(ws, "events", dt.date(2026, 11, 8), by=["os", "app_version"])
    frame = result.to_frame().set_index("slice")
    assert (result.value, result.baseline_value) == (70, 100)
    android = frame.loc["os=Android"]
    assert (android["baseline"], android["value"]) == (60, 30)
    assert android["contribution"] == pytest.approx(1.0)
    assert frame.loc["os=iOS", "contribution"] == pytest.approx(0.0)
    for dimension, part in frame.groupby("dimension"):
        assert part["contribution"].sum() == pytest.approx(1.0), dimension
        js = jensenshannon(part["baseline_share"], part["share"]) ** 2
        assert part["surprise"].sum() == pytest.approx(js), dimension
    assert result.top[0]["slice"] == "os=Android · app_version=5.0"
    assert result.headline() == ("events -30.0%: os=Android · app_version=5.0 explains "
                                 "100.0% of the drop.")
    assert result.to_dict()["slices"][0]["slice"] == result.top[0]["slice"]


def test_bad_input_is_one_clear_sentence(demo):
    ws, _ = demo
    with pytest.raises(QueryError, match="Did you mean 'app_version'"):
        explain(ws, "dau", dt.date(2026, 11, 20), by=["app_versoin"])
    with pytest.raises(QueryError, match="Did you mean 'count:EVENT'|Use one of"):
        explain(ws, "daus", dt.date(2026, 11, 20))
    with pytest.raises(QueryError, match="Did you mean 'like'"):
        explain(ws, "count:likes", dt.date(2026, 11, 20))
    with pytest.raises(InsufficientDataError, match="No data for dau on 2027-01-05"):
        explain(ws, "dau", dt.date(2027, 1, 5))
    with pytest.raises(InsufficientDataError, match="baseline"):
        explain(ws, "dau", dt.date(2026, 11, 3))


def test_a_ratio_is_explained_by_the_slice_whose_rate_fell(tmp_path):
    # 1,000 views a day on each os; likes: 200 + 200 last week, then Android 50 + iOS 200.
    # CTR 0.2 → 0.125, and with only Android changed it would be 0.125: Android is all of it.
    rows = []
    for day, android_likes in (("2026-11-01", 200), ("2026-11-08", 50)):
        for os, likes in (("Android", android_likes), ("iOS", 200)):
            rows += [{"ts": f"{day} 10:00:00", "user_id": f"{os}{i}", "event": "view", "os": os}
                     for i in range(1000)]
            rows += [{"ts": f"{day} 10:01:00", "user_id": f"{os}{i}", "event": "like", "os": os}
                     for i in range(likes)]
    pd.DataFrame(rows).to_csv(tmp_path / "e.csv", index=False)
    with Workspace.init(tmp_path / "ws") as ws:
        ingest(ws, tmp_path / "e.csv")
        result = explain(ws, "ratio:like/view", dt.date(2026, 11, 8), by=["os"])
        with pytest.raises(QueryError, match="Did you mean 'view'"):
            explain(ws, "ratio:like/viewz", dt.date(2026, 11, 8), by=["os"])
    assert (result.value, result.baseline_value) == (pytest.approx(0.125), pytest.approx(0.2))
    frame = result.to_frame().set_index("slice")
    assert frame.loc["os=Android", "value"] == pytest.approx(0.05)
    assert frame.loc["os=Android", "contribution"] == pytest.approx(1.0)
    assert frame.loc["os=iOS", "contribution"] == pytest.approx(0.0)
    assert result.top[0]["slice"] == "os=Android"
    assert result.headline() == "ratio:like/view -37.5%: os=Android explains 100.0% of the drop."
