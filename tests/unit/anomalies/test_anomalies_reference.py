"""Issue 15: a big incident no longer blinds the detector; one episode is one alert.

The cleaned calibration reference is checked against pandas' rolling quantile (with
nothing to clean it is the same number), and on simulated Poisson series against what
the old reference did (the second, half-size outage was missed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from applens.anomalies import get_detector
from applens.anomalies._stats import clean_reference, suppress_after


def test_clean_reference_equals_pandas_rolling_quantile_when_nothing_is_left_out():
    z = np.abs(np.random.default_rng(3).standard_t(3, 2000))
    ours = clean_reference(z, 400, 50, 0.9995, big=np.inf, max_run=1, pad=0)
    pandas = pd.Series(z).shift(1).rolling(400, min_periods=50).quantile(0.9995).to_numpy()
    np.testing.assert_allclose(ours, pandas, equal_nan=True)


def test_an_incident_does_not_raise_the_reference_but_a_new_noise_level_does():
    rng = np.random.default_rng(5)
    z = np.abs(rng.normal(size=3000))
    z[1000:1004] = 40.0  # a 4-row outage
    plain = pd.Series(z).shift(1).rolling(2000, min_periods=100).quantile(0.9995).to_numpy()
    clean = clean_reference(z, 2000, 100, 0.9995, big=1.5, max_run=96, pad=4)
    assert plain[1500] > 30  # the old reference: the outage is the bar for 2000 rows
    assert clean[1500] < 5  # cleaned: still the noise's own tail (|N(0,1)| q.9995 = 3.5)
    # A regime that stays noisier is a new normal: after max_run crossings it counts.
    z2 = np.abs(rng.normal(size=3000))
    z2[1000:] *= 10
    clean2 = clean_reference(z2, 2000, 100, 0.9995, big=1.5, max_run=96, pad=4)
    assert clean2[2500] > 20


def _poisson_series(seed: int, second: float) -> tuple[np.ndarray, pd.DatetimeIndex, int, int]:
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=42 * 96, freq="15min")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    mean = 500 * (0.6 + 0.4 * np.sin((hour - 6) / 24 * 2 * np.pi) ** 2)
    mean *= np.where(ts.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    big, small = 22 * 96 + 50, 33 * 96 + 46
    mean[big : big + 4] *= 0.3
    mean[small : small + 4] *= second
    return rng.poisson(mean).astype(float), ts, big, small


def test_the_second_half_size_outage_is_caught_now_and_was_missed_before():
    caught, caught_before = 0, 0
    for seed in range(4):
        values, ts, big, small = _poisson_series(seed, 0.65)
        now = get_detector("default").fit_detect(values, ts).alert
        before = get_detector("default", clean_factor=0.0, fit_factor=0.0,
                              count_z=0.0).fit_detect(values, ts).alert
        assert now[big : big + 8].any()
        caught += bool(now[small : small + 8].any())
        caught_before += bool(before[small : small + 8].any())
    assert caught == 4
    assert caught_before == 0


def test_suppress_extends_over_a_run_and_lets_a_much_worse_row_through():
    r = np.array([0, 1.1, 0, 1.2, 0, 0, 0, 1.1, 0, 0, 5.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.1])
    plain = suppress_after(r, 1.0, 4)
    assert list(np.flatnonzero(plain >= 1.0)) == [1, 7, 20]
    grouped = suppress_after(r, 1.0, 4, extend=True, worse=2.0)
    # 3 and 7 continue the episode opened at 1; 10 is 4.5x worse: a new alert; 20 is
    # past the quiet rows of 10 and opens a new episode.
    assert list(np.flatnonzero(grouped >= 1.0)) == [1, 10, 20]


def test_views_that_model_the_series_badly_sit_out():
    from applens.anomalies._calibrated import _fits

    def fits(values, ts):
        det = get_detector("default").fit(values, ts)
        x, t = pd.Series(values), pd.Series(ts)
        bases = {k: det._baseline(k, x, t) for k in det.components}
        return {k: float(np.mean(v[14 * 96:])) for k, v in _fits(bases, 2.0).items()}

    values, ts, _, _ = _poisson_series(0, 1.0)
    seasonal = fits(np.sqrt(values), ts)
    # A daily shape: the plain level (and the shift view riding on it) is a wrong model.
    assert seasonal["level"] < 0.2 and seasonal["shift"] == seasonal["level"]
    assert seasonal["weekly"] > 0.9
    flat = fits(np.random.default_rng(0).normal(100, 5, len(ts)), ts)
    # No season at all: the level is as good a model as any and keeps its say.
    assert flat["level"] > 0.9


def test_clean_factor_below_one_is_refused_with_the_fix():
    import pytest

    from applens.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="0 \\(off\\) or >= 1"):
        get_detector("default", clean_factor=0.5).fit(np.arange(10.0))


def test_last_weeks_holiday_is_not_this_weeks_expectation(monkeypatch):
    import applens.anomalies._calibrated as calibrated_module

    def echoes(clean_seasons: bool) -> int:
        monkeypatch.setattr(calibrated_module, "_CLEAN_SEASONS", clean_seasons)
        total = 0
        for seed in range(6):
            values, ts, _, _ = _poisson_series(seed, 1.0)
            rng = np.random.default_rng(100 + seed)
            holiday = slice(29 * 96, 30 * 96)  # a whole day at 65 %
            values[holiday] = rng.poisson(values[holiday] * 0.65)
            # The count view's veto would hide the echo either way: judge the views the
            # blanking is about.
            alert = get_detector("default", count_z=0.0).fit_detect(values, ts).alert
            total += int(alert[36 * 96 : 37 * 96].any())  # the same weekday a week later
        return total

    # Without blanking, the holiday is one of the four weeks the slot's median reads.
    assert echoes(True) < echoes(False)
    assert echoes(True) <= 1
