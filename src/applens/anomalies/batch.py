"""Many series through one detector in one call: ``detect_many``.

Per-series cost of a calibrated detector on a few hundred daily rows is mostly pandas'
per-call overhead (Series and rolling objects), not the maths. ``detect_many`` lays the
series end to end on one daily timeline, each followed by an *isolation gap* of NaN rows
longer than anything the detector looks back over (its rolling memory, the lags of its
seasons, its level-shift and episode windows), and judges the whole line in one
``detect`` call. NaN rows contribute to no statistic, so every row of a series sees
exactly the history it would see alone; the rows are then cut back into one
:class:`Detection` per series. It is the same detector code, not a second detector
(``tests/unit/anomalies/test_anomalies_batch.py`` holds it equal to one call per series).

Only daily count series (whole numbers >= 0, one row per day, no gaps) of a calibrated
detector are batched; any other series, or another detector, is judged on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from applens.anomalies._base import BaseDetector, Detection
from applens.anomalies._calibrated import CalibratedDetector

__all__ = ["detect_many"]

_DAY = np.timedelta64(1, "D")


def _gap_rows(det: CalibratedDetector) -> int:
    """Rows after which no statistic of ``det`` (fitted on daily rows) still sees a row.

    A row's z reads at most ``recent`` + ``memory`` rows back (the level shift) or the
    same weekday ``n_weeks`` back; its calibration reads the ``memory`` rows of z before
    it; episodes (``suppress``) and the clean reference's recovery pad carry a few more,
    and an alert's ``cooldown`` silences the rows after it.
    """
    memory = det._memory()
    reach = max(int(getattr(det, "recent", 0)) + memory, memory + 1,
                int(getattr(det, "n_weeks", 0)) * det.week_rows_)
    # The cooldown silences rows after an alert: it must not reach into the next series.
    cooldown = int(getattr(det, "cooldown", 0) or 0)
    return memory + 1 + reach + det._suppress() + cooldown + 8


def _batchable(values: np.ndarray, stamps: np.ndarray) -> bool:
    if len(values) < 2 or not np.all(np.isfinite(values)) or np.any(values < 0):
        return False
    if np.any(values != np.round(values)):
        return False
    return bool(np.all(np.diff(stamps) == _DAY.astype(np.diff(stamps).dtype)))


def detect_many(detector: BaseDetector, series: Sequence[tuple[Any, Any]]) -> list[Detection]:
    """``[detector.clone().fit_detect(v, t) for v, t in series]``, in fewer calls.

    ``series`` holds ``(values, timestamps)`` pairs; the result has one Detection each,
    in order. ``detector`` itself is not fitted.
    """
    out: list[Detection | None] = [None] * len(series)
    arrays = []
    for values, stamps in series:
        v = np.asarray(values, dtype=float)
        t = pd.Series(pd.to_datetime(np.asarray(stamps))).to_numpy()  # as ``detect`` gives
        arrays.append((v, t))
    together = [i for i, (v, t) in enumerate(arrays)
                if isinstance(detector, CalibratedDetector) and _batchable(v, t)]
    if len(together) >= 2:
        probe = detector.clone().fit(arrays[together[0]][0], arrays[together[0]][1])
        if probe.week_rows_ == 7:  # type: ignore[attr-defined]
            for i, found in zip(together, _judge_together(
                    probe, [arrays[i] for i in together]), strict=True):
                out[i] = found
    for i, (v, t) in enumerate(arrays):
        if out[i] is None:
            out[i] = detector.clone().fit_detect(v, t)
    return out  # type: ignore[return-value]


def _judge_together(det: Any, parts: list[tuple[np.ndarray, np.ndarray]]) -> list[Detection]:
    gap = _gap_rows(det)
    total = sum(len(v) for v, _ in parts) + gap * (len(parts) - 1)
    values = np.full(total, np.nan)
    starts = []
    at = 0
    for v, _ in parts:
        starts.append(at)
        values[at:at + len(v)] = v
        at += len(v) + gap
    # One daily line: only the distance between rows matters to the detector.
    stamps = np.datetime64("2000-01-01", "ns") + np.arange(total) * _DAY
    whole = det.clone().fit(values, stamps).detect(values, stamps)
    need = det._history_rows()
    found = []
    for (v, t), start in zip(parts, starts, strict=True):
        cut = slice(start, start + len(v))
        found.append(Detection(
            timestamps=t, values=v, score=whole.score[cut], alert=whole.alert[cut],
            expected=whole.expected[cut], lower=whole.lower[cut], upper=whole.upper[cut],
            detector=whole.detector, judged=np.arange(len(v)) >= need,
            note=det._note(need, len(v))))
    return found
