"""Churn: will a user who was active before a cutoff be gone in the next N days?

The label is measured after the cutoff (no activity in ``horizon_days``, or a cancel event in
them); features come strictly from before it. Candidates are trained on the snapshot one
horizon earlier and compared on the latest labelled snapshot: a time-aware split, so the
validation users' futures were never seen in training.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from applens.errors import InsufficientDataError
from applens.models._classify import fit_and_compare, reasons, reference, top_features
from applens.models._common import (
    Trained,
    check_schema,
    data_end,
    fingerprint,
    ranked,
)
from applens.models._options import ChurnOptions
from applens.models.features import FeatureSet, common_events, data_span, user_features
from applens.models.registry import MODELS, ModelSpec, SavedModel
from applens.workspace import Workspace

__all__ = ["churn_labels", "predict", "train"]


def churn_labels(ws: Workspace, users: pd.Index, cutoff: datetime,
                 opts: ChurnOptions) -> pd.Series:
    """1 = churned in ``[cutoff, cutoff + horizon)``, for each of ``users``."""
    events = ws.table("events")
    after = events.filter((events.ts >= cutoff)
                          & (events.ts < cutoff + timedelta(days=opts.horizon_days)))
    if opts.label == "cancel_event":
        after = after.filter(after.event == opts.cancel_event)
    seen = set(after.select("user_id").distinct().to_pyarrow().column(0).to_pylist())
    hit = users.isin(list(seen))
    churned = ~hit if opts.label == "inactivity" else hit
    return pd.Series(churned.astype(np.int64), index=users, name="churned")


def _snapshot(ws: Workspace, cutoff: datetime, opts: ChurnOptions,
              kinds: list[str]) -> tuple[FeatureSet, pd.Series]:
    features = user_features(ws, cutoff, opts, kinds)
    return features, churn_labels(ws, features.frame.index, cutoff, opts)


def _enough(y: pd.Series, opts: ChurnOptions, when: datetime) -> None:
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos < opts.min_positives or neg < opts.min_positives:
        raise InsufficientDataError(
            f"Too few labels to train churn at cutoff {when:%Y-%m-%d}: {pos} churned and {neg} "
            f"retained users (need at least {opts.min_positives} of each). Use more data, an "
            f"earlier --cutoff, or another [models.churn] horizon_days.")


def train(ws: Workspace, cutoff: datetime | None, opts: ChurnOptions) -> Trained:
    end = data_end(ws)
    horizon = timedelta(days=opts.horizon_days)
    cutoff = cutoff or end - horizon
    if cutoff + horizon > end:
        raise InsufficientDataError(
            f"Churn labels need {opts.horizon_days} days after the cutoff, but the data ends "
            f"{end:%Y-%m-%d}; use --cutoff {end - horizon:%Y-%m-%d} or earlier.")
    earlier = cutoff - horizon
    first, _ = data_span(ws)
    if earlier <= first:
        raise InsufficientDataError(
            f"Time-aware validation trains at {earlier:%Y-%m-%d} (one horizon before the cutoff) "
            f"but the data starts {first:%Y-%m-%d}; use a later --cutoff or a shorter "
            f"horizon_days.")
    kinds = common_events(ws, earlier, opts)
    train_set, y_train = _snapshot(ws, earlier, opts, kinds)
    train_set = train_set.observed()
    valid_set, y_valid = _snapshot(ws, cutoff, opts, kinds)
    valid_set = valid_set.like(train_set)
    _enough(y_train, opts, earlier)
    _enough(y_valid, opts, cutoff)
    best, comparison = fit_and_compare(train_set, y_train, valid_set, y_valid, opts.min_gain)
    important = top_features(best.pipeline, valid_set, y_valid)
    # The kept model learns from both labelled snapshots (all the past it may know).
    final = clone(best.pipeline)
    X = pd.concat([train_set.frame, valid_set.frame])[train_set.columns]
    final.fit(X, np.concatenate([y_train.to_numpy(), y_valid.to_numpy()]))
    chosen = comparison[best.name]
    metrics = {k: v for k, v in chosen.items() if isinstance(v, (int, float))}
    return Trained(final, metrics, {
        "kind": "churn", "entity_type": "user", "estimator": best.name,
        "features": train_set.schema(), "event_kinds": kinds,
        "options": opts.model_dump(), "cutoff": cutoff.isoformat(),
        "train_cutoff": earlier.isoformat(),
        "date_range": [(earlier - timedelta(days=opts.lookback_days)).isoformat(),
                       (cutoff + horizon).isoformat()],
        "fingerprint": fingerprint(ws, earlier - timedelta(days=opts.lookback_days),
                                   cutoff + horizon),
        "metrics": metrics,
        "confusion": chosen["confusion"], "calibration": chosen["calibration"],
        "comparison": {n: {k: r[k] for k in ("roc_auc", "pr_auc", "f1", "brier")}
                       for n, r in comparison.items()},
        "top_features": important, "reference": reference(train_set),
        "counts": {"train_users": len(y_train), "train_churned": int(y_train.sum()),
                   "valid_users": len(y_valid), "valid_churned": int(y_valid.sum())},
    })


def predict(ws: Workspace, saved: SavedModel, as_of: datetime | None) -> pd.DataFrame:
    meta: dict[str, Any] = saved.metadata
    opts = ChurnOptions(**meta["options"])
    as_of = as_of or data_end(ws)
    features = user_features(ws, as_of, opts, meta["event_kinds"])
    check_schema(features, meta["features"], "churn")
    X = features.frame[[f["name"] for f in meta["features"]]]
    score = saved.estimator.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
    label = np.where(score >= meta["metrics"]["threshold"], "churn", "stay")
    why = reasons(X, meta["top_features"], meta["reference"])
    return ranked("user", X.index, score, label, why)


MODELS.add("churn", ModelSpec("churn", train, predict, "users likely to stop using the app"),
           order=10)
