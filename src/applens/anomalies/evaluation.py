"""Evaluation helpers: run a detector over a folder of series, and event-level metrics.

NAB scoring itself is done by ``shared/tools/nab_score.py`` (see
``benchmarks/nab_bench.py``); this module only produces result files in NAB's layout
and the product-style metrics (recall, detection delay, false alerts per day).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from applens.anomalies.registry import get_detector

__all__ = ["EventMetrics", "event_metrics", "write_nab_results"]


def write_nab_results(
    detector: str, data_dir: Path, out_dir: Path, **params: Any
) -> dict[str, float]:
    """Score every ``<cat>/<name>.csv`` under ``data_dir`` into ``out_dir/<cat>/<name>.csv``.

    Each result has ``timestamp, value, anomaly_score, is_alert``. Returns seconds spent
    in the detector (total, and the slowest series) and the row count.
    """
    total, slowest, rows = 0.0, 0.0, 0
    for path in sorted(Path(data_dir).rglob("*.csv")):
        frame = pd.read_csv(path)
        ts = pd.to_datetime(frame["timestamp"])
        start = time.perf_counter()
        d = get_detector(detector, **params).fit_detect(frame["value"].to_numpy(float), ts)
        spent = time.perf_counter() - start
        total, slowest, rows = total + spent, max(slowest, spent), rows + len(frame)
        dest = Path(out_dir) / path.relative_to(data_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(
            {
                "timestamp": frame["timestamp"],
                "value": frame["value"],
                "anomaly_score": d.score,
                "is_alert": d.alert.astype(int),
            }
        ).to_csv(dest, index=False)
    return {"seconds_total": total, "seconds_slowest_series": slowest, "rows": float(rows)}


@dataclass(frozen=True)
class EventMetrics:
    """How alerts line up with known incidents (each a span of rows)."""

    incidents: int
    detected: int
    recall: float
    mean_delay_rows: float  # from incident start to first alert, over detected ones
    false_alerts: int  # alerts outside every incident (plus its grace rows)
    days: float
    false_alerts_per_day: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def event_metrics(
    alerts: np.ndarray,
    timestamps: Sequence[Any],
    incidents: Sequence[tuple[int, int]],
    grace: int = 4,
) -> EventMetrics:
    """Recall and delay per incident ``(first_row, last_row)``; false alerts per day.

    An alert up to ``grace`` rows after an incident still belongs to it (the slice
    that shows recovery is part of the same story).
    """
    alerts = np.asarray(alerts, dtype=bool)
    covered = np.zeros(len(alerts), dtype=bool)
    delays = []
    for lo, hi in incidents:
        covered[lo : min(len(alerts), hi + grace + 1)] = True
        hits = np.flatnonzero(alerts[lo : hi + grace + 1])
        if hits.size:
            delays.append(int(hits[0]))
    ts = pd.to_datetime(pd.Series(timestamps))
    days = max((ts.iloc[-1] - ts.iloc[0]) / pd.Timedelta(days=1), 1e-9)
    false = int((alerts & ~covered).sum())
    n = len(incidents)
    return EventMetrics(
        incidents=n,
        detected=len(delays),
        recall=len(delays) / n if n else float("nan"),
        mean_delay_rows=float(np.mean(delays)) if delays else float("nan"),
        false_alerts=false,
        days=float(days),
        false_alerts_per_day=false / days,
    )
