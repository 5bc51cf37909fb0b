"""One Wilson interval (statsmodels' proportion_confint), shared by the chart and the model."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from applens.charts.crashes import wilson_interval
from applens.models import crash


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_matches_statsmodels_on_random_counts(confidence):
    rng = np.random.default_rng(12)
    n = rng.integers(1, 5000, 400)
    k = np.minimum(n, rng.integers(0, 60, 400))
    k[:20], k[20:40] = 0, n[20:40]  # none and all
    lo, hi = wilson_interval(k, n, confidence=confidence)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hi, ref_hi, rtol=1e-12, atol=1e-15)


def test_no_trials_is_the_whole_unit_interval_without_a_warning():
    lo, hi = wilson_interval([0, 3], [0, 10])
    assert (lo[0], hi[0]) == (0.0, 1.0)
    assert 0 < lo[1] < 0.3 < hi[1] < 1


def test_the_crash_model_uses_the_same_interval():
    k, n = np.array([0, 1, 40]), np.array([0, 1, 800])
    np.testing.assert_array_equal(np.stack(crash.wilson_interval(k, n)),
                                  np.stack(wilson_interval(k, n)))
