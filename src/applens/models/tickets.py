"""``tickets-negativity`` and ``tickets-type``: support tickets classified by how negative
they are and by what they ask for (Russian and English; see ``applens.text``).

Training is time-aware: the newest 20 % of the labelled tickets (by ``ts``) validate a
model fitted on the older ones, then the saved model is refitted on all of them. The
metadata records the language mix, the label set, per-class precision/recall/F1, macro-F1,
the confusion matrix, the top terms per class and the data range. A ``tickets-type``
prediction whose probability is below ``other_threshold`` (``[models.tickets-type]`` in
applens.toml, or ``applens predict --threshold``) is labelled ``other``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from applens.errors import InsufficientDataError
from applens.models._common import Trained, ranked
from applens.models._options import OPTIONS, options_for
from applens.models.registry import MODELS, ModelSpec, SavedModel
from applens.text.classify import TextModel, fit_text_model, per_class_report, top_terms
from applens.text.data import LABELS, load_tickets
from applens.text.language import language_mix
from applens.workspace import Workspace

__all__ = ["TicketOptions", "predict", "score_texts", "ticket_top_terms"]

VALIDATION_SHARE = 0.2
OTHER = "other"


class TicketOptions(BaseModel):
    """``[models.tickets-negativity]`` / ``[models.tickets-type]`` in applens.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    other_threshold: float = Field(
        0.0, ge=0, le=1, description="tickets-type: below this probability the type is 'other'")
    min_tickets: int = Field(20, ge=4, description="refuse to train with fewer labelled tickets")
    embeddings: bool | None = Field(
        None, description="add all-MiniLM-L6-v2 sentence vectors (pip install "
        "'applens[embeddings]'): better request types, about 5 CPU-s per 1,000 tickets; "
        "unset: tickets-type uses them when installed and most tickets are English")


def split_by_time(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Oldest 80 % to fit, newest 20 % to validate (``frame`` is sorted oldest first)."""
    n_valid = max(1, int(round(len(frame) * VALIDATION_SHARE)))
    return frame.iloc[:-n_valid], frame.iloc[-n_valid:]


def use_embeddings(name: str, options: Any, mix: dict[str, float]) -> bool:
    """The option when set; unset: request types of mostly English tickets, when the extra
    is installed (BANKING77 accuracy 0.916 -> 0.941; the English MiniLM does not help the
    Russian toxic comments, 0.860 -> 0.855, so negativity and Russian tickets go without)."""
    from applens.text.embed import available

    if options.embeddings is not None:
        return bool(options.embeddings)
    return name == "tickets-type" and mix.get("en", 0.0) >= 0.5 and available()


def _train(name: str, ws: Workspace, cutoff: datetime | None, options: Any) -> Trained:
    label = LABELS[name]
    frame = load_tickets(ws, doing="learn from", label=label)
    if cutoff is not None and frame["ts"].notna().any():
        frame = frame[frame["ts"] < cutoff]
    if len(frame) < options.min_tickets:
        raise InsufficientDataError(
            f"{name} needs at least {options.min_tickets} tickets with a '{label}' label; "
            f"got {len(frame)}. Label more tickets (or lower min_tickets in "
            f"[models.{name}]).")
    mix = language_mix(frame["text"])
    embeddings = use_embeddings(name, options, mix)
    fit, valid = split_by_time(frame)
    held = fit_text_model(fit["text"].tolist(), fit[label].tolist(), embeddings=embeddings)
    predicted, _ = held.predict(valid["text"].tolist())
    report = per_class_report(valid[label].astype(str).tolist(), list(predicted), held.classes)
    model = fit_text_model(frame["text"].tolist(), frame[label].tolist(), embeddings=embeddings)
    metrics = {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
               "tickets": float(len(frame)), "validation_tickets": float(len(valid))}
    ts = frame["ts"].dropna()
    return Trained(model.to_state(), metrics, {
        "kind": name, "entity_type": "ticket",
        "estimator": "tfidf-words+chars" + ("+minilm" if embeddings else "") + "-linear",
        "embeddings": model.embeddings,  # None: sparse features only
        "label_column": label, "labels": model.classes,
        "language_mix": mix,
        "data_range": {"first": str(ts.min()) if len(ts) else None,
                       "last": str(ts.max()) if len(ts) else None},
        "validation": {"split": "time: newest 20 %", "tickets": len(valid),
                       "first": str(valid["ts"].min()), **report},
        "top_terms": top_terms(model, texts=frame["text"].tolist()), "threshold": model.threshold,
        "metrics": metrics,
    })


def score_texts(saved: SavedModel, texts: list[str], threshold: float | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities for ``texts``; a type below ``threshold`` is ``other``."""
    model = TextModel.from_state(saved.estimator)
    labels, proba = model.predict(texts)
    if threshold and saved.name == "tickets-type":
        labels = np.where(proba < threshold, OTHER, labels)
    return labels, proba


def other_threshold(ws: Workspace, name: str, given: float | None) -> float | None:
    """The threshold under which a type becomes ``other``: ``--threshold`` when given, else
    ``other_threshold`` of ``[models.NAME]`` (the same for workspace and file scoring)."""
    if given is not None:
        return given
    return options_for(name, ws.settings.models.get(name)).other_threshold


def _predict(name: str, ws: Workspace, saved: SavedModel, as_of: datetime | None,
             threshold: float | None = None) -> pd.DataFrame:
    frame = load_tickets(ws)
    if as_of is not None and frame["ts"].notna().any():
        frame = frame[frame["ts"].isna() | (frame["ts"] < as_of)]
    labels, proba = score_texts(saved, frame["text"].tolist(),
                                other_threshold(ws, name, threshold))
    reasons = pd.Series([[f"{label} ({p:.0%})"] for label, p in zip(labels, proba, strict=True)],
                        dtype=object)
    return ranked("ticket", pd.Index(frame["ticket_id"]), proba, labels, reasons)


def ticket_top_terms(ws: Workspace) -> dict[str, list[str]]:
    """Top terms per label of the latest trained ticket model (type first), or {}."""
    from applens.models.registry import latest_version, read_metadata

    for model in ("tickets-type", "tickets-negativity"):
        if latest_version(ws, model):
            return dict(read_metadata(ws, model).get("top_terms") or {})
    return {}


def predict(ws: Workspace, saved: SavedModel, as_of: datetime | None,
            threshold: float | None = None) -> pd.DataFrame:
    return _predict(saved.name, ws, saved, as_of, threshold)


for _order, (_name, _what) in enumerate({
        "tickets-negativity": "support tickets: neutral / negative / very negative",
        "tickets-type": "support tickets: what they ask for (request type)"}.items()):
    OPTIONS[_name] = TicketOptions
    MODELS.add(_name, ModelSpec(
        _name, lambda ws, cutoff, options, _n=_name: _train(_n, ws, cutoff, options),
        predict, _what, needs_events=False, takes_threshold=_name == "tickets-type"),
        order=80 + _order)
