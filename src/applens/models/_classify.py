"""Binary classifiers shared by churn and crash: candidates, honest metrics, explanations.

Candidates are compared on a later time slice than they were trained on. The decision
threshold is chosen on one half of that slice and F1/confusion are reported on the other
half, so the reported F1 is not tuned on the rows it is measured on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from applens import formatting
from applens.models.features import FeatureSet

__all__ = ["Candidate", "candidates", "evaluate", "fit_and_compare", "reasons", "top_features"]

MAX_FOREST_ROWS = 100_000  # each tree sees at most this many rows: bounded time at 1M users


def preprocessor(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    num = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    cat = Pipeline([
        ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
        ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20,
                                 sparse_output=False)),
    ])
    return ColumnTransformer([("num", num, numeric), ("cat", cat, categorical)])


@dataclass(frozen=True)
class Candidate:
    name: str
    pipeline: Pipeline


def candidates(features: FeatureSet, n_rows: int, seed: int = 0) -> list[Candidate]:
    from lightgbm import LGBMClassifier
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    def pipe(model: Any) -> Pipeline:
        return Pipeline([("prep", preprocessor(features.numeric, features.categorical)),
                         ("model", model)])

    share = min(1.0, MAX_FOREST_ROWS / max(n_rows, 1))
    return [
        Candidate("logistic_regression", pipe(LogisticRegression(max_iter=2000))),
        Candidate("random_forest", pipe(RandomForestClassifier(
            n_estimators=100, min_samples_leaf=5, max_samples=share if share < 1 else None,
            n_jobs=1, random_state=seed))),
        Candidate("lightgbm", pipe(LGBMClassifier(
            n_estimators=200, learning_rate=0.05, num_leaves=31, min_child_samples=20,
            subsample=0.8, subsample_freq=1, colsample_bytree=0.8, n_jobs=1,
            random_state=seed, verbose=-1))),
    ]


def _f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))]) if len(thresholds) else 0.5


def evaluate(y: np.ndarray, p: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """ROC-AUC, PR-AUC, F1 at a threshold tuned on a disjoint half, confusion, calibration."""
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import (
        average_precision_score,
        brier_score_loss,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )
    from sklearn.model_selection import train_test_split

    y = np.asarray(y, dtype=int)
    tune, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y,
                                  random_state=seed)
    threshold = _f1_threshold(y[tune], p[tune])
    hit = (p[test] >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y[test], hit, labels=[0, 1]).ravel()
    frac, mean = calibration_curve(y, p, n_bins=10, strategy="quantile")
    counts = np.histogram(p, bins=np.quantile(p, np.linspace(0, 1, 11)))[0]
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "f1": float(f1_score(y[test], hit, zero_division=0)),
        "precision": float(precision_score(y[test], hit, zero_division=0)),
        "recall": float(recall_score(y[test], hit, zero_division=0)),
        "threshold": threshold,
        "brier": float(brier_score_loss(y, p)),
        "calibration_error": float(np.average(np.abs(frac - mean),
                                              weights=counts[: len(frac)] + 1e-9)),
        "base_rate": float(y.mean()),
        "n_valid": int(len(y)),
        "positives_valid": int(y.sum()),
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "calibration": [{"predicted": float(a), "observed": float(b)}
                        for a, b in zip(mean, frac, strict=True)],
    }


def fit_and_compare(train: FeatureSet, y_train: pd.Series, valid: FeatureSet,
                    y_valid: pd.Series, min_gain: float, seed: int = 0,
                    ) -> tuple[Candidate, dict[str, dict[str, Any]]]:
    """Fit every candidate on ``train``, score on ``valid``; keep logistic regression unless
    another candidate beats its ROC-AUC by at least ``min_gain``."""
    results: dict[str, dict[str, Any]] = {}
    fitted: dict[str, Candidate] = {}
    X, Xv = train.frame[train.columns], valid.frame[train.columns]
    for cand in candidates(train, len(X), seed):
        cand.pipeline.fit(X, y_train.to_numpy())
        p = cand.pipeline.predict_proba(Xv)[:, 1]
        results[cand.name] = evaluate(y_valid.to_numpy(), p, seed)
        fitted[cand.name] = cand
    baseline = results["logistic_regression"]["roc_auc"]
    best = max(results, key=lambda n: results[n]["roc_auc"])
    if results[best]["roc_auc"] - baseline < min_gain:
        best = "logistic_regression"
    return fitted[best], results


def top_features(pipeline: Pipeline, features: FeatureSet, y: pd.Series, *, n: int = 10,
                 max_rows: int = 2_000, seed: int = 0) -> list[dict[str, float]]:
    """Permutation importance (drop in ROC-AUC) of each input column on held-out rows."""
    from sklearn.inspection import permutation_importance

    X = features.frame[features.columns]
    if len(X) > max_rows:
        X = X.sample(max_rows, random_state=seed)
    target = y.loc[X.index].to_numpy()
    if len(np.unique(target)) < 2:
        return []
    result = permutation_importance(pipeline, X, target, scoring="roc_auc", n_repeats=2,
                                    random_state=seed, n_jobs=1)
    order = np.argsort(-result.importances_mean)[:n]
    return [{"feature": X.columns[i], "importance": round(float(result.importances_mean[i]), 5)}
            for i in order if result.importances_mean[i] > 0]


def reference(features: FeatureSet) -> dict[str, list[float]]:
    """Median and spread of each numeric feature: the yardstick for per-entity reasons."""
    ref = {}
    for column in features.numeric:
        values = features.frame[column].dropna()
        if values.empty:
            continue
        q1, q2, q3 = (float(v) for v in values.quantile([0.25, 0.5, 0.75]))
        ref[column] = [q2, max(q3 - q1, float(values.std() or 0.0), 1e-9)]
    return ref


def reasons(frame: pd.DataFrame, important: list[dict[str, float]],
            ref: dict[str, list[float]], *, n: int = 3) -> pd.Series:
    """Per row, the important features at least one spread from typical.

    For example ``recency_days=9.1 (high)``.
    """
    names = [f["feature"] for f in important if f["feature"] in ref and f["feature"] in frame]
    if not names:
        return pd.Series("", index=frame.index)
    weights = np.array([f["importance"] for f in important if f["feature"] in names])
    values = frame[names].to_numpy(dtype=float)
    centre = np.array([ref[c][0] for c in names])
    scale = np.array([ref[c][1] for c in names])
    z = np.nan_to_num((values - centre) / scale)
    strength = np.where(np.abs(z) >= 1.0, np.abs(z) * weights, 0.0)  # only what is unusual
    order = np.argsort(-strength, axis=1)[:, :n]
    out = []
    for row, picks in enumerate(order):
        parts = [f"{names[j]}={formatting.number(values[row, j])} "
                 f"({'high' if z[row, j] > 0 else 'low'})"
                 for j in picks if strength[row, j] > 0]
        out.append("; ".join(parts))
    return pd.Series(out, index=frame.index)
