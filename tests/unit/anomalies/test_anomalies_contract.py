"""Contract tests over every registered detector (scikit-learn style)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from applens.anomalies import DETECTORS, BaseDetector, get_detector
from applens.errors import InvalidParameterError, NotFittedError, UnknownComponentError

from ._synth import seasonal_series

NAMES = sorted(DETECTORS)


@pytest.fixture(scope="module")
def series():
    values, ts = seasonal_series(days=21, seed=1)
    values[1500] *= 3  # one spike so every detector has something to say
    return values, ts


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_learns_underscore_attrs(name, series):
    det = get_detector(name)
    assert not hasattr(det, "period_")
    assert det.fit(*series) is det
    assert det.period_ == 96
    assert det.step_.total_seconds() == 900


@pytest.mark.parametrize("name", NAMES)
def test_outputs_shape_range_and_types(name, series):
    values, ts = series
    d = get_detector(name).fit_detect(values, ts)
    assert len(d.score) == len(d.alert) == len(d.expected) == len(values)
    assert d.alert.dtype == bool
    assert np.all((d.score >= 0) & (d.score <= 1))
    known = ~np.isnan(d.expected)
    assert known.sum() > len(values) // 2
    assert np.all(d.lower[known] <= d.upper[known])
    frame = d.to_frame()
    assert list(frame.columns) == [
        "timestamp", "value", "anomaly_score", "is_alert", "expected", "lower", "upper",
        "status",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_score_before_fit_raises(name, series):
    with pytest.raises(NotFittedError):
        get_detector(name).score(*series)


@pytest.mark.parametrize("name", NAMES)
def test_params_roundtrip_clone_and_pickle(name, series):
    det = get_detector(name)
    params = det.get_params()
    clone = det.clone()
    assert clone is not det and clone.get_params() == params
    det.fit(*series)
    restored = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(restored.score(*series), det.score(*series))
    assert not hasattr(clone, "period_")  # clone is unfitted


@pytest.mark.parametrize("name", NAMES)
def test_invalid_parameter_rejected_at_fit(name, series):
    det = get_detector(name, cooldown=-1)
    with pytest.raises(InvalidParameterError, match="'cooldown'"):
        det.fit(*series)
    with pytest.raises(InvalidParameterError, match="no parameter"):
        get_detector(name, nonsense=1)


@pytest.mark.parametrize("name", NAMES)
def test_causal_future_changes_do_not_change_past_scores(name, series):
    values, ts = series
    cut = 1200
    altered = values.copy()
    rng = np.random.default_rng(7)
    altered[cut:] = rng.uniform(0, 10_000, len(values) - cut)  # rewrite the future
    a = get_detector(name).fit_detect(values, ts)
    b = get_detector(name).fit_detect(altered, ts)
    np.testing.assert_array_equal(a.score[:cut], b.score[:cut])
    np.testing.assert_array_equal(a.alert[:cut], b.alert[:cut])
    np.testing.assert_array_equal(a.expected[:cut], b.expected[:cut])
    assert not np.array_equal(a.score[cut:], b.score[cut:])  # the test can fail


@pytest.mark.parametrize("name", NAMES)
def test_truncated_series_gives_identical_prefix(name, series):
    values, ts = series
    full = get_detector(name).fit_detect(values, ts)
    part = get_detector(name).fit_detect(values[:1000], ts[:1000])
    np.testing.assert_array_equal(full.score[:1000], part.score)


@pytest.mark.parametrize("name", NAMES)
def test_accepts_plain_arrays_and_nan(name):
    values = np.r_[np.full(200, 10.0) + np.sin(np.arange(200)), [np.nan], np.full(50, 10.0)]
    d = get_detector(name).fit_detect(values)
    assert d.score[200] == 0 and not d.alert[200]
    assert np.isfinite(d.score).all()


def test_registry_names_and_unknown_name():
    assert {"default", "seasonal", "levelshift", "simple"} <= set(DETECTORS)
    assert all(issubclass(c, BaseDetector) and c.name == n for n, c in DETECTORS.items())
    with pytest.raises(UnknownComponentError, match="Did you mean 'seasonal'"):
        get_detector("seasnal")
