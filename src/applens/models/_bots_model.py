"""``bots`` as one more registry model: BotDetector (applens.models.bots) per user and per IP.

Bots are unsupervised, so training fits the detectors on a recent window and records how
many entities they flag. The saved file holds plain state (parameters, medians, the fitted
IsolationForest), not the detector class, so loading needs no extra trusted types.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from applens.errors import InsufficientDataError
from applens.models._common import SCORE_COLUMNS, Trained, data_end, fingerprint
from applens.models._options import OPTIONS
from applens.models.bot_features import MAX_BATCHED, batched_share
from applens.models.bots import (
    LABEL_DECLARED,
    LABEL_NORMAL,
    BotDetector,
    bot_features,
)
from applens.models.registry import MODELS, ModelSpec, SavedModel
from applens.workspace import Workspace

__all__ = ["BotsOptions", "detectors", "predict", "train"]


class BotsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback_days: int = Field(7, ge=1, le=366, description="events judged")
    entities: list[Literal["user", "ip"]] = Field(["user", "ip"], min_length=1)
    threshold: float = Field(0.5, ge=0, le=1, description="score from which 'bot' is said")
    use_user_agent: bool = Field(True, description="let the user-agent rule vote")


OPTIONS["bots"] = BotsOptions


def _window(ws: Workspace, end: datetime, opts: BotsOptions) -> Any:
    events = ws.table("events")
    events = events.filter((events.ts >= end - timedelta(days=opts.lookback_days))
                           & (events.ts < end))
    if not opts.use_user_agent and "user_agent" in events.columns:
        events = events.drop("user_agent")
    return events


def _user_is_ip(events: Any) -> bool:
    """Whether every event's user id is its IP address (access logs): then a user and an IP
    are one entity, scored once (as the IP)."""
    if "ip" not in events.columns or "user_id" not in events.columns:
        return False
    differs = events.filter(events.ip.isnull()
                            | (events.user_id.cast("string") != events.ip.cast("string")))
    return differs.count().to_pyarrow().as_py() == 0


def _features(ws: Workspace, end: datetime, opts: BotsOptions) -> dict[str, pd.DataFrame]:
    events = _window(ws, end, opts)
    out = {}
    same = "ip" in opts.entities and _user_is_ip(events)
    for entity in opts.entities:
        if entity == "ip" and "ip" not in events.columns:
            continue
        if entity == "user" and same:
            continue
        frame = bot_features(events, entity=entity,
                             session_gap_s=ws.settings.session_gap_minutes * 60)
        if not frame.empty:
            out[entity] = frame
    if not out:
        raise InsufficientDataError(
            f"No events in the {opts.lookback_days} days before {end:%Y-%m-%d} to judge bots; "
            "use another --cutoff/--date or a longer [models.bots] lookback_days.")
    return out


def _state(detector: BotDetector) -> dict[str, Any]:
    return {"params": detector.get_params(), "features_in": list(detector.features_in_),
            "medians": {k: float(v) for k, v in detector.medians_.items()},
            "entity_type": detector.entity_type_, "forest": detector.forest_}


def _detector(state: dict[str, Any]) -> BotDetector:
    detector = BotDetector(**state["params"])
    detector.features_in_ = list(state["features_in"])
    detector.medians_ = pd.Series(state["medians"], dtype="float64")
    detector.entity_type_ = state["entity_type"]
    detector.forest_ = state["forest"]
    return detector


def detectors(saved: SavedModel) -> dict[str, BotDetector]:
    """The fitted detectors of a saved bots model, per entity (``user``, ``ip``)."""
    return {entity: _detector(state) for entity, state in saved.estimator.items()}


def train(ws: Workspace, cutoff: datetime | None, opts: BotsOptions) -> Trained:
    end = cutoff or data_end(ws)
    batched = batched_share(_window(ws, end, opts))
    if batched > MAX_BATCHED:
        raise InsufficientDataError(
            f"{batched:.0%} of consecutive events of a user share one timestamp (order lines "
            "or batched uploads): request rate and rhythm cannot tell a program from a person "
            "here. Bots need one event per action (web or app logs).")
    states, metrics = {}, {}
    for entity, frame in _features(ws, end, opts).items():
        detector = BotDetector(threshold=opts.threshold, use_user_agent=opts.use_user_agent)
        ranked = detector.fit(frame).rank(frame)
        states[entity] = _state(detector)
        metrics[f"{entity}s"] = float(len(frame))
        metrics[f"{entity}s_flagged"] = float((ranked["label"] != LABEL_NORMAL).sum())
        metrics[f"{entity}s_declared"] = float((ranked["label"] == LABEL_DECLARED).sum())
    start = end - timedelta(days=opts.lookback_days)
    features = [{"name": f"{e}:{c}", "dtype": "float64"}
                for e, s in states.items() for c in s["features_in"]]
    return Trained(states, metrics, {
        "kind": "bots", "entity_type": "user|ip", "estimator": "bot_detector",
        "features": features, "options": opts.model_dump(), "cutoff": end.isoformat(),
        "date_range": [start.isoformat(), end.isoformat()],
        "fingerprint": fingerprint(ws, start, end), "metrics": metrics,
    })


def predict(ws: Workspace, saved: SavedModel, as_of: datetime | None) -> pd.DataFrame:
    opts = BotsOptions(**saved.metadata["options"])
    features = _features(ws, as_of or data_end(ws), opts)
    frames = []
    for entity, detector in detectors(saved).items():
        if entity in features:  # an entity without data now has nothing to rank
            frames.append(detector.rank(features[entity]))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SCORE_COLUMNS})
    return pd.concat(frames, ignore_index=True)[SCORE_COLUMNS]


MODELS.add("bots", ModelSpec("bots", train, predict,
                           "bots and suspicious IPs (rules + IsolationForest)"), order=40)
