"""What every model shares: the time frame of the data, fingerprints, the scores frame."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from applens import _scores
from applens.errors import InvalidParameterError, SchemaError
from applens.models.features import FeatureSet, data_span
from applens.workspace import Workspace

__all__ = [
    "SCORE_COLUMNS",
    "Trained",
    "check_schema",
    "data_end",
    "fingerprint",
    "ranked",
    "to_cutoff",
]

SCORE_COLUMNS = _scores.SCORE_COLUMNS  # the scores tables' columns (applens._scores reads them)


@dataclass
class Trained:
    """A fitted estimator, its metrics (scalars, for tables) and everything else to record."""

    estimator: Any
    metrics: dict[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)


def to_cutoff(value: date | datetime | str | None) -> datetime | None:
    """A cutoff as a naive UTC instant, as ``events.ts`` is stored; ``None`` stays ``None``.

    An aware value (``2026-11-08T00:00:00+00:00``, ``…Z``, a tz-aware Timestamp) is
    converted to UTC, never to the server's local zone; a naive one is taken as UTC.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidParameterError(
                f"'{value}' is not a date; use YYYY-MM-DD (for example 2026-11-08).") from None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def data_end(ws: Workspace) -> datetime:
    """Midnight after the last event: the exclusive end of the data."""
    _, last = data_span(ws)
    return datetime.combine(last.date() + timedelta(days=1), time())


def fingerprint(ws: Workspace, start: datetime, end: datetime) -> dict[str, Any]:
    """Row count, users and time range of the events used, plus a digest of them."""
    events = ws.table("events")
    used = events.filter((events.ts >= start) & (events.ts < end))
    row = used.aggregate(rows=used.count(), users=used.user_id.nunique(),
                         first=used.ts.min(), last=used.ts.max()).to_pyarrow().to_pylist()[0]
    digest = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:16]
    return {**{k: (str(v) if isinstance(v, datetime) else v) for k, v in row.items()},
            "from": start.isoformat(), "to": end.isoformat(), "digest": digest}


def check_schema(features: FeatureSet, saved: list[dict[str, str]], model: str) -> None:
    """The features computed now must be the ones the model was trained on."""
    now = {f["name"]: f["dtype"] for f in features.schema()}
    then = {f["name"]: f["dtype"] for f in saved}
    missing = sorted(set(then) - set(now))
    if missing:
        raise SchemaError(
            f"Model '{model}' needs features the data no longer gives ({', '.join(missing[:5])}); "
            f"retrain it with 'applens train --models {model}'.")
    changed = sorted(n for n in then if now[n] != then[n])
    if changed:
        raise SchemaError(
            f"Features of model '{model}' changed type ({', '.join(changed[:5])}); "
            f"retrain it with 'applens train --models {model}'.")


def ranked(entity_type: str, ids: pd.Index, score: np.ndarray, label: pd.Series | np.ndarray,
           reasons: pd.Series | np.ndarray) -> pd.DataFrame:
    """The common scores frame, highest score first (rank 1)."""
    frame = pd.DataFrame({
        "entity_type": entity_type, "entity_id": ids.astype(str),
        "score": np.asarray(score, dtype=float), "label": np.asarray(label, dtype=object),
        "reasons": np.asarray(reasons, dtype=object),
    })
    frame = frame.sort_values(["score", "entity_id"], ascending=[False, True], kind="stable")
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame[SCORE_COLUMNS].reset_index(drop=True)
