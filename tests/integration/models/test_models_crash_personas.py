"""Crash summary and model on the demo's buggy release; readable personas."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from applens.errors import InvalidParameterError
from applens.models import crash_summary


def test_buggy_release_is_named_first_without_a_model(ws, truth):
    summary = crash_summary(ws, by=("app_version",))
    assert summary.iloc[0]["app_version"] == truth["buggy_app_version"]
    # and clearly: its interval lies above every other release's
    assert summary.iloc[0]["ci_low"] > summary.iloc[1:]["ci_high"].max()


def test_crash_intervals_are_wilson_intervals(ws):
    summary = crash_summary(ws, by=("os", "device"), min_sessions=1)
    lo, hi = proportion_confint(summary["crashes"], summary["sessions"], method="wilson")
    np.testing.assert_allclose(summary["ci_low"], lo, rtol=1e-9)
    np.testing.assert_allclose(summary["ci_high"], hi, rtol=1e-9)
    assert summary["sessions"].sum() == ws.connection.execute(
        "SELECT count(DISTINCT session_id) FROM events").fetchall()[0][0]


def test_summary_by_an_unknown_column_says_what_exists(ws):
    with pytest.raises(InvalidParameterError, match="Did you mean 'app_version'"):
        crash_summary(ws, by="app_versio")


def test_crash_model_ranks_sessions_better_than_chance(reports):
    meta = reports["crash"]["metadata"]
    assert meta["metrics"]["roc_auc"] > 0.65, meta["metrics"]
    assert meta["top_features"][0]["feature"] == "app_version"
    assert "crashed" not in {f["name"] for f in meta["features"]}  # the label is no feature


def test_personas_are_described_in_words_with_sizes(reports):
    meta = reports["personas"]["metadata"]
    personas = meta["personas"]
    k = len(personas)
    assert meta["options"]["k_min"] <= k <= meta["options"]["k_max"]
    assert int(meta["metrics"]["k"]) == k
    assert sum(p["size"] for p in personas) == meta["metrics"]["users"]
    descriptions = [p["description"] for p in personas]
    assert len(set(descriptions)) == k
    for text in descriptions:
        assert text.split()[0] in {"heavy", "light", "regular"}, text
        assert "most" in text, text  # every persona says when it is active
    # k is the silhouette maximum within the range
    by_k = meta["silhouette_by_k"]
    assert by_k[str(k)] == max(by_k.values())


def test_messaging_heavy_persona_exists(reports):
    personas = reports["personas"]["metadata"]["personas"]
    top = max(personas, key=lambda p: p["centre"]["message_share"])
    assert top["centre"]["message_share"] > 0.2
    assert "messengers" in top["description"]
