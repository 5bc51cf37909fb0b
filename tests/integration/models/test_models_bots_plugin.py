"""``bots`` is one more registry model when applens.models.bots is installed."""

from __future__ import annotations

import pytest

pytest.importorskip("applens.models.bots")

from applens.models import MODELS, latest_scores, model_metrics, predict  # noqa: E402
from applens.models.registry import load_model  # noqa: E402


def test_bots_train_with_the_rest_and_load_safely(ws, reports):
    assert "bots" in MODELS and "bots" in reports
    saved = load_model(ws, "bots")  # skops with the default allow-list: plain state only
    assert set(saved.estimator) == {"user", "ip"}
    assert reports["bots"]["metrics"]["users_flagged"] >= 1


def test_planted_bots_top_the_ranked_lists(ws_copy, truth):
    scores = predict(ws_copy, "bots")["bots"]
    for entity, planted in (("user", truth["bots"]["user_ids"]),
                            ("ip", truth["bots"]["ips"])):
        ranked = scores[scores["entity_type"] == entity].sort_values("rank")
        top = ranked.head(len(planted))
        assert top["entity_id"].isin(planted).mean() >= 0.9, top
        assert top["reasons"].str.len().gt(0).all()
    stored = latest_scores(ws_copy, "bots")
    assert set(stored["entity_type"]) == {"user", "ip"}
    assert "bots" in model_metrics(ws_copy)
