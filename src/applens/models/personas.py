"""Personas: KMeans over standardised behaviour, k chosen by silhouette in a bounded range.

Each persona is described in words from its centroid: how active its users are compared
with everyone (heavy / light), what they mostly do (messaging, liking, long sessions), and
when (mostly evening, at night …).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from applens.errors import InsufficientDataError
from applens.models._common import Trained, check_schema, data_end, fingerprint, ranked
from applens.models._options import PersonaOptions
from applens.models.features import FeatureSet, common_events, user_features
from applens.models.registry import MODELS, ModelSpec, SavedModel
from applens.workspace import Workspace

__all__ = ["BEHAVIOUR", "describe", "predict", "train"]

# Behaviour only (no os/source/age): personas are about how people use the app.
BEHAVIOUR = (
    "events_per_day", "active_days", "session_seconds", "events_per_session", "ctr",
    "message_share", "night_share", "evening_share",
)
# Time-of-day shares used for words only: clustering on all four would split users by
# the hour alone, hiding what they do.
TIME_SHARES = ("night_share", "morning_share", "afternoon_share", "evening_share")
LOGGED = ("events_per_day", "session_seconds", "events_per_session")  # heavy-tailed counts
TIMES = {"night_share": "at night", "morning_share": "in the morning",
         "afternoon_share": "in the afternoon", "evening_share": "in the evening"}
HABITS = {"message_share": "messengers", "ctr": "likers", "session_seconds": "long-session users"}


def _behaviour(features: FeatureSet) -> FeatureSet:
    columns = [c for c in BEHAVIOUR if c in features.frame]
    frame = features.frame[columns].copy()
    for column in LOGGED:
        if column in frame:
            frame[column] = np.log1p(frame[column].clip(lower=0))
    return FeatureSet(frame, columns, [])


def describe(centre_z: pd.Series, centre_raw: pd.Series) -> str:
    """Words for one centroid, from its z-scores (vs all users) and its raw time shares."""
    activity = centre_z.get("events_per_day", 0.0) + centre_z.get("active_days", 0.0)
    level = "heavy" if activity > 0.8 else "light" if activity < -0.8 else "regular"
    habits = {k: centre_z[k] for k in HABITS if k in centre_z}
    habit, strength = max(habits.items(), key=lambda kv: kv[1], default=("", 0.0))
    noun = HABITS[habit] if strength > 0.5 else "users"
    if noun == "users" and level == "regular":
        noun = "feed readers" if centre_z.get("message_share", 0.0) < -0.3 else "all-rounders"
    shares = {k: centre_raw[k] for k in TIMES if k in centre_raw}
    when = ""
    if shares:
        top = max(shares, key=lambda k: shares[k])
        when = f", mostly {TIMES[top].removeprefix('in the ')}" if shares[top] >= 0.4 else \
            f", most active {TIMES[top]}"
    return f"{level} {noun}{when}"


def train(ws: Workspace, cutoff: datetime | None, opts: PersonaOptions) -> Trained:
    cutoff = cutoff or data_end(ws)
    kinds = common_events(ws, cutoff, opts)
    features = user_features(ws, cutoff, opts, kinds)
    users = _behaviour(features).observed()
    X = users.frame
    if len(X) < max(50, opts.k_max * 10):
        raise InsufficientDataError(
            f"Personas need at least {max(50, opts.k_max * 10)} active users before "
            f"{cutoff:%Y-%m-%d}; found {len(X)}. Use more data or a smaller [models.personas] "
            f"k_max.")
    prep = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    Z = prep.fit_transform(X)
    rng = np.random.default_rng(0)
    sample = Z[rng.choice(len(Z), min(len(Z), opts.sample_size), replace=False)]
    scores = {}
    for k in range(opts.k_min, opts.k_max + 1):
        labels = KMeans(k, n_init=4, random_state=0).fit_predict(sample)
        scores[k] = float(silhouette_score(sample, labels, sample_size=min(len(sample), 5_000),
                                           random_state=0))
    best_k = max(scores, key=lambda k: scores[k])
    model = Pipeline([*prep.steps, ("kmeans", KMeans(best_k, n_init=4, random_state=0))])
    model.fit(X)
    assigned = model.predict(X)
    centres_z = pd.DataFrame(model.named_steps["kmeans"].cluster_centers_, columns=X.columns)
    raw = features.frame[[c for c in dict.fromkeys([*X.columns, *TIME_SHARES])
                          if c in features.frame]]
    centres_raw = raw.groupby(assigned).mean()
    personas, seen = [], {}
    for i in range(best_k):
        size = int((assigned == i).sum())
        words = describe(centres_z.iloc[i], centres_raw.loc[i])
        seen[words] = seen.get(words, 0) + 1
        if seen[words] > 1:  # two centroids can read alike; keep labels distinct
            words = f"{words} ({seen[words]})"
        personas.append({"id": i, "description": words,
                         "size": size, "share": size / len(X),
                         "centre": {c: round(float(v), 4) for c, v in centres_raw.loc[i].items()}})
    metrics = {"silhouette": scores[best_k], "k": float(best_k), "users": float(len(X))}
    start = cutoff - timedelta(days=opts.lookback_days)
    return Trained(model, metrics, {
        "kind": "personas", "entity_type": "user", "estimator": "kmeans",
        "features": users.schema(), "event_kinds": kinds, "options": opts.model_dump(),
        "cutoff": cutoff.isoformat(), "date_range": [start.isoformat(), cutoff.isoformat()],
        "fingerprint": fingerprint(ws, start, cutoff), "metrics": metrics,
        "silhouette_by_k": {str(k): v for k, v in scores.items()}, "personas": personas,
    })


def predict(ws: Workspace, saved: SavedModel, as_of: datetime | None) -> pd.DataFrame:
    """Each active user's persona; score = closeness to its centroid (1 = at the centre)."""
    meta: dict[str, Any] = saved.metadata
    opts = PersonaOptions(**meta["options"])
    users = _behaviour(user_features(ws, as_of or data_end(ws), opts, meta["event_kinds"]))
    check_schema(users, meta["features"], "personas")
    X = users.frame[[f["name"] for f in meta["features"]]]
    if not len(X):
        return ranked("user", X.index, np.zeros(0), [], [])
    assigned = saved.estimator.predict(X)
    distance = saved.estimator.transform(X).min(axis=1)
    names = {p["id"]: p["description"] for p in meta["personas"]}
    label = [names[i] for i in assigned]
    why = [f"persona {i + 1} of {len(names)}" for i in assigned]
    return ranked("user", X.index, 1.0 / (1.0 + distance), label, why)


MODELS.add("personas", ModelSpec("personas", train, predict, "behaviour segments (KMeans)"),
           order=30)
