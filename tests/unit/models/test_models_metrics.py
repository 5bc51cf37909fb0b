"""Metric helpers checked against scikit-learn and statsmodels on known inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from statsmodels.stats.proportion import proportion_confint

from applens.errors import InvalidParameterError
from applens.models._classify import evaluate, reasons
from applens.models._common import ranked, to_cutoff
from applens.models.crash import wilson_interval


@pytest.fixture
def scored():
    rng = np.random.default_rng(3)
    y = (rng.random(2_000) < 0.2).astype(int)
    p = np.clip(0.2 + 0.35 * y + rng.normal(0, 0.2, len(y)), 0, 1)
    return y, p


def test_aucs_equal_sklearn(scored):
    y, p = scored
    result = evaluate(y, p)
    assert result["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert result["pr_auc"] == pytest.approx(average_precision_score(y, p))
    assert result["base_rate"] == pytest.approx(y.mean())


def test_f1_is_measured_on_the_half_the_threshold_was_not_tuned_on(scored):
    y, p = scored
    result = evaluate(y, p, seed=0)
    _, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y, random_state=0)
    hit = (p[test] >= result["threshold"]).astype(int)
    assert result["f1"] == pytest.approx(f1_score(y[test], hit))
    c = result["confusion"]
    assert c["tp"] + c["fn"] == y[test].sum() and sum(c.values()) == len(test)


def test_calibration_of_calibrated_scores_is_close(scored):
    rng = np.random.default_rng(0)
    p = rng.random(20_000)
    y = (rng.random(len(p)) < p).astype(int)
    assert evaluate(y, p)["calibration_error"] < 0.03
    assert evaluate(y, p ** 4)["calibration_error"] > 0.1  # badly calibrated is seen


def test_wilson_matches_statsmodels_including_zero_and_all():
    k, n = np.array([0, 3, 50, 40]), np.array([40, 1000, 50, 41])
    lo, hi = wilson_interval(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-12)


def test_reasons_name_the_most_unusual_important_features():
    frame = pd.DataFrame({"recency_days": [30.0, 1.0], "n_events": [100.0, 5.0]},
                         index=["a", "b"])
    important = [{"feature": "recency_days", "importance": 0.3},
                 {"feature": "n_events", "importance": 0.01}]
    ref = {"recency_days": [2.0, 3.0], "n_events": [50.0, 40.0]}
    why = reasons(frame, important, ref, n=1)
    assert why["a"] == "recency_days=30 (high)"
    assert why["b"] == "n_events=5 (low)"  # recency 1 is near typical


def test_reasons_print_large_values_as_people_read_them():
    frame = pd.DataFrame({"session_seconds": [1_203.4, 12_345.6, 0.012345]}, index=list("abc"))
    important = [{"feature": "session_seconds", "importance": 1.0}]
    why = reasons(frame, important, {"session_seconds": [100.0, 1.0]}, n=1)
    assert why.tolist() == ["session_seconds=1,203 (high)", "session_seconds=12,346 (high)",
                            "session_seconds=0.0123 (low)"]  # not 1.2e+03


def test_ranked_orders_by_score_with_rank_one_first():
    frame = ranked("user", pd.Index(["x", "y", "z"]), np.array([0.2, 0.9, 0.5]),
                   ["a", "b", "c"], ["", "", ""])
    assert frame["entity_id"].tolist() == ["y", "z", "x"]
    assert frame["rank"].tolist() == [1, 2, 3]


def test_dates_are_parsed_or_refused():
    assert to_cutoff("2026-11-08").isoformat() == "2026-11-08T00:00:00"
    assert to_cutoff(None) is None
    with pytest.raises(InvalidParameterError, match="YYYY-MM-DD"):
        to_cutoff("08/11/2026")
