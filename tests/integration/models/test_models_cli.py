"""``applens train`` / ``applens predict`` from the command line."""

from __future__ import annotations

import json

import pandas as pd


def test_train_prints_metrics_as_json(run_cli, ws_copy):
    result = run_cli("train", "--models", "personas", "-w", ws_copy.path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"personas"} and payload["personas"]["silhouette"] > 0
    assert (ws_copy.path / "models" / "personas" / "v2" / "model.skops").is_file()


def test_train_table_names_the_kept_model_and_its_rivals(run_cli, ws_copy):
    ws_copy.close()
    result = run_cli("train", "--models", "churn", "-w", ws_copy.path)
    assert result.exit_code == 0, result.stderr
    assert "roc_auc" in result.stdout and "lightgbm" in result.stdout
    assert "top features recency_days" in result.stdout


def test_predict_writes_the_csv(run_cli, ws_copy, tmp_path):
    out = tmp_path / "s.csv"
    result = run_cli("predict", "--models", "churn", "-w", ws_copy.path, "--out", out,
                     "--top", "3")
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(out)
    assert frame["entity_type"].eq("user").all() and frame["rank"].min() == 1
    assert "churn: top 3 of" in result.stdout


def test_errors_are_one_line(run_cli, ws_copy, tmp_path):
    for args in (("predict", "--models", "churnn"), ("train", "--cutoff", "yesterday"),
                 ("predict", "--models", "churn", "-w", tmp_path / "nowhere")):
        args = (*args, "-w", ws_copy.path) if "-w" not in args else args
        result = run_cli(*args)
        assert result.exit_code == 1, (args, result.stdout)
        assert result.stderr.startswith("Error:") and result.stderr.count("\n") == 1, result.stderr
