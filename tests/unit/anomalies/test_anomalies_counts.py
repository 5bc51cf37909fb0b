"""Count-aware noise (issue 15): exact negative-binomial tails on event counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from applens.anomalies import get_detector
from applens.anomalies._counts import count_dispersion, count_tail_z


def test_three_empty_slices_where_four_each_were_expected_is_overwhelming():
    z = count_tail_z(np.zeros(3), np.full(3, 4.0), np.zeros(3), rows=3)
    assert z[-1] == np.float64(-norm.isf(np.exp(-12.0)))  # Poisson: P(0 | 12) = e^-12
    assert z[-1] < -4.3
    assert np.isnan(z[:2]).all()  # the run is not complete yet
    # ... while one empty slice where one event was expected is nothing.
    assert abs(count_tail_z(np.zeros(1), np.ones(1), np.zeros(1), rows=1)[0]) < 0.5


def test_overdispersion_widens_the_tail():
    x, e = np.array([40.0]), np.array([20.0])
    poisson = count_tail_z(x, e, np.array([0.0]), rows=1)[0]
    bursty = count_tail_z(x, e, np.array([0.5]), rows=1)[0]
    assert poisson > 3.5
    assert 0 < bursty < 1.5


def test_dispersion_is_learnt_from_the_history_and_leaves_incidents_out():
    rng = np.random.default_rng(0)
    e = np.full(5000, 20.0)
    a = 0.2
    x = rng.negative_binomial(1 / a, (1 / a) / (1 / a + e)).astype(float)
    est = count_dispersion(x, e, 4000, 100)
    assert np.isnan(est[:100]).all()  # causal, and needs history
    assert abs(est[-1] - a) < 0.04
    y = x.copy()
    y[4000:4200] = 0  # an outage
    keep = np.ones(len(y), bool)
    keep[4000:4200] = False
    assert count_dispersion(y, e, 4000, 100)[-1] > est[-1] + 0.03
    assert abs(count_dispersion(y, e, 4000, 100, keep=keep)[-1] - a) < 0.04


def _small_series(seed: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=42 * 96, freq="15min")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    mean = 25 * (0.3 + 0.7 * np.sin((hour - 6) / 24 * 2 * np.pi) ** 2)
    mean *= np.where(ts.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    return rng.poisson(mean).astype(float), ts


def test_a_small_slice_raises_fewer_false_alerts_and_still_catches_an_outage():
    on_false, off_false = 0, 0
    for seed in range(6):
        values, ts = _small_series(seed)
        on_false += int(get_detector("default").fit_detect(values, ts).alert[14 * 96:].sum())
        off_false += int(get_detector("default", count_z=0.0).fit_detect(
            values, ts).alert[14 * 96:].sum())
        outage = 30 * 96 + 52  # 13:00, ~24 events expected per slice
        values[outage : outage + 4] = 0
        assert get_detector("default").fit_detect(values, ts).alert[outage : outage + 4].any()
    assert on_false < 0.7 * off_false, (on_false, off_false)


def test_astronomic_counts_and_unknown_dispersion_raise_no_warning():
    # Warnings are errors in the test run; the demo once hit an overflow here.
    ts = pd.date_range("2024-01-01", periods=20 * 96, freq="15min")
    values = np.random.default_rng(0).poisson(5, len(ts)).astype(float) * 1e150
    assert not get_detector("default").fit_detect(values, ts).alert[: 96].any()
    z = count_tail_z(np.array([3.0]), np.array([1e300]), np.array([np.nan]), rows=1)
    assert np.isnan(z).all()
