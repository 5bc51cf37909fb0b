"""Every registered model is made of scikit-learn estimators: sklearn.base.clone and
grid-search-style parameter setting work on each, fitted or not."""

from __future__ import annotations

import shutil

import pytest
from sklearn.base import BaseEstimator, clone

from applens.ingest import ingest
from applens.models import MODELS, train
from applens.models._bots_model import detectors
from applens.models.bots import BotDetector
from applens.models.registry import load_model
from applens.workspace import Workspace

TICKET_MODELS = ("tickets-negativity", "tickets-type")


@pytest.fixture(scope="module")
def ticket_ws(demo_ws, tmp_path_factory):
    """The demo workspace with the demo's tickets loaded and the ticket models trained."""
    target = tmp_path_factory.mktemp("tickets") / "ws"
    shutil.copytree(demo_ws, target, ignore=shutil.ignore_patterns(".applens"))
    with Workspace(target) as ws:
        ingest(ws, target / "data" / "tickets.csv", table="tickets")
        train(ws, list(TICKET_MODELS))
    with Workspace(target) as ws:
        yield ws


def _estimators(ws, name):
    saved = load_model(ws, name)
    if name == "bots":  # saved as plain state (no extra trusted types); rebuilt detectors
        return list(detectors(saved).values())
    if name in TICKET_MODELS:  # TextModel state: the TF-IDF features and the linear model
        return [saved.estimator["features"], saved.estimator["model"]]
    return [saved.estimator]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_sklearn_clone_works_on_every_registered_model(request, name):
    ws = request.getfixturevalue("ticket_ws" if name in TICKET_MODELS else "ws")
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
