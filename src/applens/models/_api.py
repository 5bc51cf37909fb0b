"""Train and predict any registered model; read back scores and metrics.

A model is a name in ``MODELS`` with a ``train(ws, cutoff, options) -> Trained`` and a
``predict(ws, saved, as_of) -> scores frame``. Scores go to the warehouse table
``scores_<model>`` (one row per entity and run, with the model version), and optionally to
a CSV file.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from applens import _scores
from applens._files import atomic_path
from applens.errors import (
    DataError,
    InsufficientDataError,
    InvalidParameterError,
)
from applens.models import _bots_model  # noqa: F401 - registers itself; discovery skips private modules
from applens.models._common import SCORE_COLUMNS, Trained, data_end, to_cutoff
from applens.models._options import options_for
from applens.models.features import feature_cache
from applens.models.registry import (
    MODELS,
    ModelSpec,
    latest_version,
    load_model,
    read_metadata,
    register_model,
    save_model,
)
from applens.workspace import Workspace

__all__ = [
    "MODELS", "ModelSpec", "TrainReport", "latest_scores", "model_metrics", "predict",
    "register_model", "train",
]


@dataclass(frozen=True)
class TrainReport:
    model: str
    version: str
    estimator: str
    metrics: dict[str, float]
    metadata: dict[str, Any]
    warnings: dict[str, int] = field(default_factory=dict)  # "Category: message" -> count




def _names(models: str | Iterable[str] | None) -> list[str]:
    if models is None:
        return list(MODELS)
    items = models.split(",") if isinstance(models, str) else list(models)
    names = [m.strip() for m in items if m.strip()]
    if not names:
        raise InvalidParameterError(f"No model named; choose from {', '.join(MODELS)}.")
    for name in names:
        MODELS.get(name)  # an unknown name says which ones there are
    return list(dict.fromkeys(names))


def train(ws: Workspace, models: str | Iterable[str] | None = None, *,
          cutoff: date | datetime | str | None = None) -> dict[str, TrainReport]:
    """Train, validate and save each model; returns its version and validation metrics.

    A model the data cannot support (no events at all, no crash events, too few churners,
    no IPs …) is skipped with its reason (``estimator == "skipped"``) instead of stopping the
    others, whether it was named or not; only when every model named in ``models`` is
    skipped is the first reason raised (by default every model is skipped, none raised).
    Nothing is saved until every model has trained or been skipped, so a run that
    fails leaves the previous versions as they were. Library warnings are counted per kind
    in ``TrainReport.warnings``, not shown one by one.
    """
    when = to_cutoff(cutoff)
    fitted: dict[str, tuple[Trained, dict[str, int]]] = {}
    reports: dict[str, TrainReport] = {}
    first_error: DataError | None = None
    no_events = None if ws.has_table("events") else InsufficientDataError(
        "The workspace has no events (its tables: "
        + (", ".join(ws.table_names(derived=False)) or "none")
        + "); every model learns from them: load them with 'applens ingest FILE'.")
    with feature_cache():
        for name in _names(models):
            try:
                if no_events is not None and MODELS[name].needs_events:
                    raise no_events
                fitted[name] = _fit_one(ws, name, when)
            except DataError as exc:
                first_error = first_error or exc
                reports[name] = TrainReport(name, "", "skipped", {}, {"skipped": str(exc)})
    if not fitted and first_error is not None and models is not None:
        raise first_error
    for name, (trained, noted) in fitted.items():
        reports[name] = _save(ws, name, trained, noted)
    return {name: reports[name] for name in _names(models)}


def _fit_one(ws: Workspace, name: str, when: datetime | None,
             ) -> tuple[Trained, dict[str, int]]:
    from threadpoolctl import threadpool_limits

    opts = options_for(name, ws.settings.models.get(name))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # count every one, not the first per place
        for developer_only in (DeprecationWarning, PendingDeprecationWarning):
            warnings.simplefilter("ignore", developer_only)
        with threadpool_limits(limits=ws.settings.threads or 2):  # a shared machine
            trained = MODELS[name].train(ws, when, opts)
    return trained, dict(Counter(_warning_kind(w) for w in caught))


def _warning_kind(caught: warnings.WarningMessage) -> str:
    """``Category: first line of the message`` (the numbers after it vary per fit)."""
    text = str(caught.message).strip().splitlines()[0] if str(caught.message).strip() else ""
    return f"{caught.category.__name__}: {text.split(' (', 1)[0][:200]}"


def _save(ws: Workspace, name: str, trained: Trained, noted: dict[str, int]) -> TrainReport:
    meta = {**trained.metadata, "created_at": ws.now().isoformat(timespec="seconds")}
    if noted:
        meta["warnings"] = noted
    version = save_model(ws, name, trained.estimator, meta)
    return TrainReport(name, version, str(meta.get("estimator", "")), trained.metrics, meta,
                       noted)


_table = _scores.scores_table


def predict(ws: Workspace, models: str | Iterable[str] | None = None, *,
            date: date | datetime | str | None = None, out: str | Path | None = None,
            threshold: float | None = None) -> dict[str, pd.DataFrame]:
    """Score with the latest saved version of each model (all trained ones by default).

    Each model's scores are appended to the warehouse table ``scores_<model>`` (a rerun for
    the same date and version replaces its rows); ``out`` also writes all of them to a CSV.
    With no model named and none trained (``train`` skips what the data cannot support)
    there is nothing to score: the result is empty. ``threshold`` goes to the models registered
    with ``takes_threshold=True`` (tickets-type: below it a type is ``other``).
    """
    if models is None:
        names = [n for n in MODELS if latest_version(ws, n)]
        if not names:
            return {}
    else:
        names = _names(models)
    saved_models = {name: load_model(ws, name) for name in names}  # "train first" comes first
    as_of = to_cutoff(date) or _default_as_of(ws)  # stored as a real date, not "latest"
    results = {}
    with feature_cache():
        for name, saved in saved_models.items():
            extra = {"threshold": threshold} \
                if threshold is not None and MODELS[name].takes_threshold else {}
            scores = MODELS[name].predict(ws, saved, as_of, **extra)
            _store(ws, name, scores, saved.version, as_of)
            results[name] = scores
    if out is not None:
        frames = [s.assign(model=n) for n, s in results.items()]
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pd.concat(frames, ignore_index=True)[[*SCORE_COLUMNS, "model"]]
        with atomic_path(path) as temp:
            table.to_csv(temp, index=False)
    return results


def _default_as_of(ws: Workspace) -> datetime:
    """The day after the last event; a workspace with tickets only: now (naive UTC)."""
    if ws.has_table("events"):
        return data_end(ws)
    return ws.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)


def _store(ws: Workspace, name: str, scores: pd.DataFrame, version: str,
           as_of: datetime) -> None:
    frame = scores.assign(
        model_version=version,
        as_of=pd.Timestamp(as_of),
        scored_at=pd.Timestamp(ws.now().astimezone(UTC).replace(tzinfo=None)),
    )
    frame["as_of"] = frame["as_of"].astype("datetime64[us]")
    frame["scored_at"] = frame["scored_at"].astype("datetime64[us]")
    frame["rank"] = frame["rank"].astype("int64")
    con, table = ws.connection, _table(name)
    con.register("_applens_scores", frame)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" AS '
                    "SELECT * FROM _applens_scores LIMIT 0")
        con.execute(f'DELETE FROM "{table}" WHERE model_version = ? AND as_of = ?',
                    [version, as_of])
        con.execute(f'INSERT INTO "{table}" SELECT * FROM _applens_scores')
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_applens_scores")


def latest_scores(ws: Workspace, model: str) -> pd.DataFrame:
    """The latest scores of ``model`` (newest date scored, newest run of it): entity_type,
    entity_id, score, rank, label, reasons; an empty frame if it was never scored."""
    _names([model])
    return _scores.latest_scores(ws, model)


def model_metrics(ws: Workspace) -> dict[str, dict[str, float]]:
    """Validation metrics of the latest saved version of each trained model."""
    result = {}
    for name in MODELS:
        if latest_version(ws, name) is None:
            continue
        meta = read_metadata(ws, name)
        result[name] = {k: float(v) for k, v in meta.get("metrics", {}).items()}
    return result
