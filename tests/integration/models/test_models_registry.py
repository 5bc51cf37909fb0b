"""Saved models: skops only, tampered and foreign files refused, schema and version checks."""

from __future__ import annotations

import collections
import json

import pandas as pd
import pytest
import skops.io as sio

from applens.errors import ArtifactError, SchemaError
from applens.models import latest_scores, model_metrics, predict
from applens.models.registry import (
    METADATA_FILE,
    MODEL_FILE,
    ModelVersionWarning,
    _sha256,
    load_model,
    model_dir,
)
from applens.workspace import Workspace


def _files(ws, name="churn"):
    folder = model_dir(ws, name) / "v1"
    return folder / MODEL_FILE, folder / METADATA_FILE


def test_metadata_records_what_was_trained_on(ws):
    saved = load_model(ws, "churn")
    meta = saved.metadata
    assert saved.version == "v1"
    assert {"scikit-learn", "lightgbm", "skops", "python"} <= set(meta["libraries"])
    assert meta["features"] and all({"name", "dtype"} == set(f) for f in meta["features"])
    assert meta["fingerprint"]["rows"] > 0 and meta["date_range"][0] < meta["date_range"][1]
    assert meta["created_at"] and meta["metrics"]["roc_auc"] > 0.5


def test_a_modified_model_file_is_refused(ws_copy):
    model, _ = _files(ws_copy)
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="modified after training"):
        load_model(ws_copy, "churn")


def test_a_foreign_skops_file_is_refused_even_with_a_matching_hash(ws_copy):
    model, meta_file = _files(ws_copy)
    sio.dump({"payload": collections.Counter("evil")}, model)  # a type applens never saves
    meta = json.loads(meta_file.read_text())
    meta["sha256"] = _sha256(model)  # an attacker who also edits metadata.json
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match=r"types applens never saves \(collections.Counter\)"):
        load_model(ws_copy, "churn")


def test_a_file_that_is_not_skops_is_refused(ws_copy):
    model, meta_file = _files(ws_copy)
    model.write_bytes(b"\x80\x04\x95 a pickle, not a skops zip")
    meta = json.loads(meta_file.read_text())
    meta["sha256"] = _sha256(model)
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="not a skops model file"):
        load_model(ws_copy, "churn")


def test_missing_metadata_is_refused(ws_copy):
    _, meta_file = _files(ws_copy)
    meta_file.unlink()
    with pytest.raises(ArtifactError, match="not a model saved by applens"):
        load_model(ws_copy, "churn")


def test_other_library_versions_warn(ws_copy):
    _, meta_file = _files(ws_copy)
    meta = json.loads(meta_file.read_text())
    meta["libraries"]["scikit-learn"] = "0.24.2"
    meta_file.write_text(json.dumps(meta))
    with pytest.warns(ModelVersionWarning, match=r"scikit-learn 0.24.2 -> "):
        load_model(ws_copy, "churn")


def test_predicting_before_training_says_to_train(tmp_path):
    with Workspace.init(tmp_path / "empty") as ws, \
            pytest.raises(ArtifactError, match="applens train --models churn"):
        predict(ws, "churn")


def test_data_without_a_feature_the_model_needs_is_refused(ws_copy):
    ws_copy.connection.execute("ALTER TABLE events DROP COLUMN receiver_id")
    with pytest.raises(SchemaError, match=r"no longer gives \(.*messages_sent.*applens train"):
        predict(ws_copy, "churn")


def test_predict_stores_versioned_scores_and_reads_them_back(ws_copy, tmp_path):
    out = tmp_path / "scores.csv"
    results = predict(ws_copy, "churn,crash,personas", out=out)
    frame = pd.read_csv(out)
    assert list(frame.columns[:6]) == ["entity_type", "entity_id", "score", "rank", "label",
                                       "reasons"]
    assert set(frame["entity_type"]) == {"user", "session"}
    assert len(frame) == sum(len(r) for r in results.values())
    churn = latest_scores(ws_copy, "churn")
    assert list(churn.columns) == ["entity_type", "entity_id", "score", "rank", "label", "reasons"]
    assert churn["rank"].tolist() == list(range(1, len(churn) + 1))
    assert churn["score"].is_monotonic_decreasing and churn["score"].between(0, 1).all()
    versions = ws_copy.connection.execute(
        "SELECT DISTINCT model_version FROM scores_churn").fetchall()
    assert versions == [("v1",)]
    predict(ws_copy, "churn")  # a rerun for the same date replaces, not duplicates
    count = ws_copy.connection.execute("SELECT count(*) FROM scores_churn").fetchall()[0][0]
    assert count == len(churn)
    assert {"churn", "crash", "personas"} <= set(model_metrics(ws_copy))


def test_latest_scores_are_those_of_the_latest_date_scored(ws_copy):
    current = predict(ws_copy, "personas")["personas"]
    predict(ws_copy, "personas", date="2026-11-12")  # a back-fill of an older day
    latest = latest_scores(ws_copy, "personas")
    assert len(latest) == len(current)
    assert latest["entity_id"].tolist() == current["entity_id"].tolist()
    dates = ws_copy.connection.execute(
        "SELECT DISTINCT as_of FROM scores_personas ORDER BY 1").fetchall()
    assert [d[0].date().isoformat() for d in dates] == ["2026-11-12", "2026-11-22"]
    assert model_metrics(ws_copy)["personas"]["k"] >= 3


def test_default_training_skips_what_the_data_cannot_support(ws_copy):
    from applens.errors import InsufficientDataError
    from applens.models import train

    strict = {"churn": {"horizon_days": 7, "min_positives": 10**6},
              "crash": {"min_positives": 10**6}, "personas": {"k_min": 2, "k_max": 3}}
    with Workspace(ws_copy.path, models=strict) as ws:
        reports = train(ws)  # nothing named: skip, say why, train the rest
        assert reports["churn"].estimator == "skipped"
        assert "churned and" in reports["churn"].metadata["skipped"]
        assert reports["crash"].estimator == "skipped"
        assert reports["personas"].version == "v2"
        with pytest.raises(InsufficientDataError):
            train(ws, "churn")  # named explicitly: the error itself
