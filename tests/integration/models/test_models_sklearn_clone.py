"""Every registered model is made of scikit-learn estimators: sklearn.base.clone and
grid-search-style parameter setting work on each, fitted or not."""

from __future__ import annotations

import pytest
from sklearn.base import BaseEstimator, clone

from applens.models import MODELS
from applens.models._bots_model import detectors
from applens.models.bots import BotDetector
from applens.models.registry import load_model


def _estimators(ws, name):
    saved = load_model(ws, name)
    if name == "bots":  # saved as plain state (no extra trusted types); rebuilt detectors
        return list(detectors(saved).values())
    return [saved.estimator]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_sklearn_clone_works_on_every_registered_model(ws, name):
    for estimator in _estimators(ws, name):
        assert isinstance(estimator, BaseEstimator)
        copy = clone(estimator)
        assert type(copy) is type(estimator)
        assert copy.get_params().keys() == estimator.get_params().keys()
        assert not hasattr(copy, "n_features_in_") and not hasattr(copy, "forest_")


def test_bot_detector_params_set_like_a_grid_search():
    detector = BotDetector(threshold=0.6)
    copy = clone(detector).set_params(threshold=0.7, n_estimators=50)
    assert copy.get_params()["threshold"] == 0.7 and detector.threshold == 0.6
    assert "BotDetector(" in repr(copy) and "threshold=0.7" in repr(copy)
    assert not hasattr(BotDetector, "clone")  # sklearn.base.clone, not a copy of it
