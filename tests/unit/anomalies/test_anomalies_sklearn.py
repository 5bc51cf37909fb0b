"""Detectors are scikit-learn estimators (issue 21 item 12): the parameter protocol comes
from ``BaseEstimator``, so ``sklearn.base.clone`` and parameter setting work."""

from __future__ import annotations

import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_parameters_default_constructible,
)

from applens.anomalies import DETECTORS, get_detector

from ._synth import seasonal_series

NAMES = sorted(DETECTORS)


@pytest.mark.parametrize("name", NAMES)
def test_sklearn_clone_and_params_round_trip(name):
    det = get_detector(name, cooldown=3)
    assert isinstance(det, BaseEstimator)
    params = det.get_params()
    copy = clone(det)
    assert copy is not det and type(copy) is type(det) and copy.get_params() == params
    assert copy.set_params(**params) is copy and copy.get_params() == params
    values, ts = seasonal_series(days=3, seed=2)
    det.fit(values, ts)
    assert not hasattr(clone(det), "period_")  # a clone is unfitted
    check_parameters_default_constructible(name, type(det)())
    check_get_params_invariance(name, type(det)())
