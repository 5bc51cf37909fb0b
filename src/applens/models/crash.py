"""Crash risk: which sessions end in a crash, and which releases crash most.

``crash_summary`` needs no model: crash rate per app_version / os / device with Wilson
intervals, so a buggy release is named from counts alone. The classifier scores sessions
from what is known when they start (release, OS, device, hour, the user's history), never
from how the session went, so it can warn before the crash rather than describe it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from applens.charts.crashes import wilson_interval
from applens.errors import InsufficientDataError, InvalidParameterError, did_you_mean
from applens.models._classify import fit_and_compare, reasons, reference, top_features
from applens.models._common import Trained, check_schema, data_end, fingerprint, ranked, to_cutoff
from applens.models._options import CrashOptions
from applens.models.features import common_events, session_features
from applens.models.registry import MODELS, ModelSpec, SavedModel
from applens.workspace import Workspace

__all__ = ["crash_summary", "predict", "train", "wilson_interval"]


def crash_summary(ws: Workspace, by: Sequence[str] = ("app_version",), *,
                  date_from: Any = None, date_to: Any = None, crash_event: str = "crash",
                  min_sessions: int = 30) -> pd.DataFrame:
    """Sessions, crashed sessions and crash rate (with a 95% Wilson interval) per group.

    Worst first: groups are ordered by the lower end of their interval, so a small group
    with a lucky-high rate does not outrank a large, reliably bad one. Groups with fewer
    than ``min_sessions`` sessions are left out.
    """
    by = [by] if isinstance(by, str) else list(by)
    events = ws.table("events")
    known = [c for c in ("app_version", "os", "device", "country", "source") if c in events.columns]
    for column in by:
        if column not in known:
            raise InvalidParameterError(
                f"crash_summary cannot group by '{column}'.{did_you_mean(column, known)} "
                f"Choose from: {', '.join(known)}.")
    if "session_id" not in events.columns:
        raise InsufficientDataError(
            "The events table has no session_id column; re-ingest so sessions are derived.")
    lo, hi = to_cutoff(date_from), to_cutoff(date_to)
    if lo is not None:
        events = events.filter(events.ts >= lo)
    if hi is not None:  # date_to is inclusive: the whole day
        events = events.filter(events.ts < hi + timedelta(days=1))
    sessions = events.filter(events.session_id.notnull()).group_by("session_id").agg(
        crashed=(events.event == crash_event).cast("int64").max(),
        **{c: events[c].argmin(events.ts) for c in by},
    )
    grouped = sessions.group_by(by).agg(sessions=sessions.count(),
                                        crashes=sessions.crashed.sum())
    frame = grouped.to_pandas()
    frame = frame[frame["sessions"] >= min_sessions].copy()
    total_s, total_c = frame["sessions"].sum(), frame["crashes"].sum()
    frame["crash_rate"] = frame["crashes"] / frame["sessions"]
    frame["ci_low"], frame["ci_high"] = wilson_interval(frame["crashes"], frame["sessions"])
    overall = total_c / total_s if total_s else np.nan
    frame["vs_overall"] = frame["crash_rate"] / overall if overall else np.nan
    frame = frame.sort_values(["ci_low", "crash_rate"], ascending=False, kind="stable")
    columns = [*by, "sessions", "crashes", "crash_rate", "ci_low", "ci_high", "vs_overall"]
    return frame[columns].reset_index(drop=True).astype({"sessions": "int64", "crashes": "int64"})


def train(ws: Workspace, cutoff: datetime | None, opts: CrashOptions) -> Trained:
    cutoff = cutoff or data_end(ws)
    start = cutoff - timedelta(days=opts.window_days)
    # The last ~30% of the window validates a model fitted on the sessions before it.
    split = cutoff - timedelta(days=max(1, round(opts.window_days * 0.3)))
    kinds = common_events(ws, start, opts)
    train_set, y_train = session_features(ws, start, split, opts, kinds)
    train_set = train_set.observed()
    valid_set, y_valid = session_features(ws, split, cutoff, opts, kinds)
    valid_set = valid_set.like(train_set)
    for y, lo, hi in ((y_train, start, split), (y_valid, split, cutoff)):
        pos = int(y.sum())
        if pos < opts.min_positives or len(y) - pos < opts.min_positives:
            raise InsufficientDataError(
                f"Too few crashes to train the crash model on sessions {lo:%Y-%m-%d} to "
                f"{hi:%Y-%m-%d}: {pos} crashed of {len(y)} sessions (need at least "
                f"{opts.min_positives}). Use a longer [models.crash] window_days or more data; "
                f"check crash_event = '{opts.crash_event}'.")
    best, comparison = fit_and_compare(train_set, y_train, valid_set, y_valid, min_gain=0.01)
    important = top_features(best.pipeline, valid_set, y_valid)
    final = clone(best.pipeline)
    X = pd.concat([train_set.frame, valid_set.frame])[train_set.columns]
    final.fit(X, np.concatenate([y_train.to_numpy(), y_valid.to_numpy()]))
    chosen = comparison[best.name]
    metrics = {k: v for k, v in chosen.items() if isinstance(v, (int, float))}
    lookback = start - timedelta(days=opts.lookback_days)
    return Trained(final, metrics, {
        "kind": "crash", "entity_type": "session", "estimator": best.name,
        "features": train_set.schema(), "event_kinds": kinds, "options": opts.model_dump(),
        "cutoff": cutoff.isoformat(), "train_cutoff": split.isoformat(),
        "date_range": [lookback.isoformat(), cutoff.isoformat()],
        "fingerprint": fingerprint(ws, lookback, cutoff), "metrics": metrics,
        "confusion": chosen["confusion"], "calibration": chosen["calibration"],
        "comparison": {n: {k: r[k] for k in ("roc_auc", "pr_auc", "f1", "brier")}
                       for n, r in comparison.items()},
        "top_features": important, "reference": reference(train_set),
        "counts": {"train_sessions": len(y_train), "train_crashed": int(y_train.sum()),
                   "valid_sessions": len(y_valid), "valid_crashed": int(y_valid.sum())},
    })


def predict(ws: Workspace, saved: SavedModel, as_of: datetime | None) -> pd.DataFrame:
    """Crash risk of the sessions that started in the ``predict_days`` before ``as_of``."""
    meta = saved.metadata
    opts = CrashOptions(**meta["options"])
    as_of = as_of or data_end(ws)
    start = as_of - timedelta(days=opts.predict_days)
    features, _ = session_features(ws, start, as_of, opts, meta["event_kinds"])
    check_schema(features, meta["features"], "crash")
    X = features.frame[[f["name"] for f in meta["features"]]]
    score = saved.estimator.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
    label = np.where(score >= meta["metrics"]["threshold"], "crash risk", "ok")
    why = reasons(X, meta["top_features"], meta["reference"])
    categorical = [c for c in ("app_version", "os") if c in X]
    if categorical:  # the release is the first thing an engineer wants to see
        where = X[categorical].astype(str).agg(" ".join, axis=1)
        why = where.str.cat(why, sep="; ").str.rstrip("; ")
    return ranked("session", X.index, score, label, why)


MODELS.add("crash", ModelSpec("crash", train, predict, "sessions likely to end in a crash"),
           order=20)
