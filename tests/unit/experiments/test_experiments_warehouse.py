"""Per-user metrics and per-arm sufficient statistics computed with Ibis on DuckDB."""

from __future__ import annotations

from datetime import datetime

import ibis
import numpy as np
import pandas as pd
import pytest

from applens.experiments import RatioStats, SampleStats, assign_group, ratio_test
from applens.experiments.warehouse import (
    EventMetric,
    arm_ratio_stats,
    arm_sample_stats,
    per_user_metrics,
)


@pytest.fixture
def events() -> ibis.Table:
    rng = np.random.default_rng(0)
    n = 3000
    users = rng.integers(0, 400, n).astype(str)
    frame = pd.DataFrame({
        "ts": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 14 * 24, n), unit="h"),
        "user_id": users,
        "event": rng.choice(["view", "click", "purchase"], n, p=[0.7, 0.25, 0.05]),
        "value": rng.exponential(10, n),
    })
    con = ibis.duckdb.connect()
    return con.create_table("events", frame)


def test_per_user_metrics_match_pandas(events):
    metrics = [EventMetric("views", "view"), EventMetric("clicks", "click"),
               EventMetric("revenue", "purchase", "sum"),
               EventMetric("buyer", "purchase", "converted")]
    start, end = datetime(2024, 3, 2), datetime(2024, 3, 12)
    table = per_user_metrics(events, metrics, start=start, end=end, salt="exp1").execute()
    raw = events.execute()
    raw = raw[(raw.ts >= start) & (raw.ts < end)]
    expected = raw.groupby("user_id").apply(lambda g: pd.Series({
        "views": (g.event == "view").sum(), "clicks": (g.event == "click").sum(),
        "revenue": g.value[g.event == "purchase"].sum(),
        "buyer": int((g.event == "purchase").any())}), include_groups=False)
    table = table.set_index("user_id").loc[expected.index]
    np.testing.assert_array_equal(table.views, expected.views)
    np.testing.assert_allclose(table.revenue, expected.revenue, rtol=1e-9)
    np.testing.assert_array_equal(table.buyer, expected.buyer)
    groups = [["control", "treatment"][assign_group(u, "exp1")] for u in table.index]
    assert table.group.tolist() == groups


def test_arm_stats_from_sql_equal_in_memory(events):
    metrics = [EventMetric("views", "view"), EventMetric("clicks", "click")]
    per_user = per_user_metrics(events, metrics, start=datetime(2024, 3, 1),
                                end=datetime(2024, 3, 15), salt="exp1")
    frame = per_user.execute()
    sql = arm_sample_stats(per_user, "clicks")
    for arm, part in frame.groupby("group"):
        local = SampleStats.from_values(part.clicks)
        assert sql[arm].n == local.n
        assert sql[arm].variance == pytest.approx(local.variance, rel=1e-9)
    ratios = arm_ratio_stats(per_user, "clicks", "views")
    local = {arm: RatioStats.from_values(p.clicks, p.views) for arm, p in frame.groupby("group")}
    ours = ratio_test(ratios["control"], ratios["treatment"])
    ref = ratio_test(local["control"], local["treatment"])
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-9)


def test_assignment_from_an_events_column():
    frame = pd.DataFrame({
        "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00",
                              "2024-01-02 00:00", "2024-01-03 00:00"]),
        "user_id": ["a", "a", "b", "c"], "event": ["view", "click", "view", "view"],
        "value": [0.0, 0.0, 0.0, 0.0], "variant": ["x", None, "y", None],
    })
    con = ibis.duckdb.connect()
    t = con.create_table("e", frame)
    out = per_user_metrics(t, [EventMetric("clicks", "click")], start=datetime(2024, 1, 1),
                           end=datetime(2024, 2, 1), group_col="variant").execute()
    # c has no exposure value, so it is not in the experiment.
    assert sorted(zip(out.user_id, out.group, out.clicks, strict=True)) == [
        ("a", "x", 1), ("b", "y", 0)
    ]
