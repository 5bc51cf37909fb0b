"""The detector contract: scikit-learn-style, causal, one series at a time.

    det = SeasonalDetector(min_volume=20).fit(values, timestamps)
    det.score(values, timestamps)   # float in [0, 1] per row, 0.5 = alert edge
    det.alerts(values, timestamps)  # bool per row, after guards and cooldown
    det.detect(values, timestamps)  # Detection: score, alert, expected, lower, upper

* The constructor only stores keyword parameters (``get_params``/``set_params``/
  ``clone`` come from scikit-learn's ``BaseEstimator`` and read the signature); ``fit``
  validates them and learns the cadence of the series (``step_``, ``period_``) and returns ``self``.
* Causal: the result for row ``t`` depends only on rows ``<= t``. A monitor calls
  ``detect`` on each slice's trailing history and judges the newest rows.
* Subclasses implement ``_judge`` which returns a ``_Judgement`` (ratio, expected, and
  the band's lower and upper edges, which need not be symmetric); this class turns it
  into the public outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from applens.anomalies._stats import ratio_to_score
from applens.errors import DataError, InvalidParameterError, NotFittedError

__all__ = ["BaseDetector", "Detection"]

_DAY = pd.Timedelta(days=1)


class _Judgement(NamedTuple):
    ratio: np.ndarray  # >= 0; 1.0 is the alert edge
    expected: np.ndarray  # NaN where unknown
    lower: np.ndarray  # band edges at the alert edge; NaN where unknown. Bands may be
    upper: np.ndarray  # asymmetric (each direction is calibrated on its own)


@dataclass(frozen=True)
class Detection:
    """Per-row output of a detector; arrays all have the input's length."""

    timestamps: np.ndarray
    values: np.ndarray
    score: np.ndarray
    alert: np.ndarray
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    detector: str = field(default="")
    judged: np.ndarray | None = None  # bool per row: False while the history is too short
    note: str = ""  # the grain found, and why rows are not judged (when some are not)

    def to_frame(self) -> pd.DataFrame:
        judged = np.ones(len(self.values), bool) if self.judged is None else self.judged
        return pd.DataFrame(
            {
                "timestamp": self.timestamps,
                "value": self.values,
                "anomaly_score": self.score,
                "is_alert": self.alert.astype(int),
                "expected": self.expected,
                "lower": self.lower,
                "upper": self.upper,
                "status": np.where(judged, "judged", "history too short"),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "note": self.note,
                "rows": self.to_frame().to_dict(orient="records")}


# Grains a detector recognises from the median step between timestamps.
_GRAINS = {pd.Timedelta(minutes=1): "1-minute", pd.Timedelta(minutes=5): "5-minute",
           pd.Timedelta(minutes=15): "15-minute", pd.Timedelta(minutes=30): "30-minute",
           pd.Timedelta(hours=1): "hourly", pd.Timedelta(days=1): "daily",
           pd.Timedelta(weeks=1): "weekly"}


def grain_label(step: pd.Timedelta | None) -> str:
    """'daily', 'hourly', '15-minute' … for a step between rows ('rows' without a clock)."""
    if step is None:
        return "evenly spaced rows without timestamps"
    if step in _GRAINS:
        return _GRAINS[step]
    if pd.Timedelta(days=28) <= step <= pd.Timedelta(days=31):
        return "monthly"
    return f"every {step}"


class BaseDetector(BaseEstimator):  # type: ignore[misc]
    """Base of every detector. Subclasses declare ``name`` and implement ``_judge``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    # ---- scikit-learn parameter protocol (get_params, clone, repr: BaseEstimator) ------
    def set_params(self, **params: Any) -> BaseDetector:
        valid = self._get_param_names()
        for key in params:
            if key not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter '{key}'; valid: {', '.join(valid)}."
                )
        return super().set_params(**params)  # type: ignore[no-any-return]

    def clone(self) -> BaseDetector:
        """An unfitted copy with the same parameters (``sklearn.base.clone``)."""
        return clone(self)  # type: ignore[no-any-return]

    # ---- validation helpers ----------------------------------------------------------
    def _check_number(
        self, name: str, lo: float, hi: float = np.inf, integer: bool = False
    ) -> None:
        value = getattr(self, name)
        ok = (isinstance(value, (int, float, np.integer, np.floating))
              and not isinstance(value, bool))
        if ok and integer:
            ok = float(value).is_integer()
        if not ok or not (lo <= value <= hi):
            kind = "an integer" if integer else "a number"
            upper = "" if hi == np.inf else f" and <= {hi}"
            raise InvalidParameterError(
                f"The '{name}' parameter of {type(self).__name__} must be {kind} >= {lo}"
                f"{upper}. Got {value!r} instead."
            )

    def _validate_params(self) -> None:
        """Subclasses check their own parameters here (called by ``fit``)."""

    # ---- inputs ------------------------------------------------------------------------
    @staticmethod
    def _prepare(values: Any, timestamps: Any = None) -> tuple[pd.Series, pd.Series]:
        if isinstance(values, pd.Series) and timestamps is None:
            if isinstance(values.index, pd.DatetimeIndex):
                timestamps = values.index
        try:
            x = pd.Series(np.asarray(values, dtype=float)).reset_index(drop=True)
        except (TypeError, ValueError) as exc:
            raise DataError(f"Series values must be numeric: {exc}.") from exc
        if x.ndim != 1:
            raise DataError("A detector scores one series: give a 1-D sequence of values.")
        if timestamps is None:
            # No clock: rows are evenly spaced, one minute apart, with no daily season.
            ts = pd.Series(pd.Timestamp("2000-01-01") + pd.to_timedelta(np.arange(len(x)), "min"))
            return x, ts
        try:
            ts = pd.Series(pd.to_datetime(np.asarray(timestamps)))
        except (TypeError, ValueError) as exc:
            raise DataError(f"Timestamps could not be parsed: {exc}.") from exc
        if len(ts) != len(x):
            raise DataError(f"Got {len(x)} values but {len(ts)} timestamps; give one per value.")
        if ts.isna().any():
            raise DataError(f"Timestamp at row {int(ts.isna().to_numpy().argmax())} is missing.")
        # Rows are judged in the order given. Real logs repeat or step back (a DST
        # hour); timestamps only locate "the same slot yesterday", never reorder rows.
        return x, ts

    # ---- fit / score -------------------------------------------------------------------
    def fit(self, values: Any, timestamps: Any = None) -> BaseDetector:
        """Validate the parameters and learn the series' cadence; returns ``self``."""
        self._validate_params()
        x, ts = self._prepare(values, timestamps)
        has_clock = timestamps is not None or (
            isinstance(values, pd.Series) and isinstance(values.index, pd.DatetimeIndex)
        )
        step = ts.diff().median() if len(ts) > 1 else pd.NaT
        self.step_ = step if has_clock and pd.notna(step) else None
        # Slots per day: the daily season exists only for sub-daily, evenly dividing steps.
        self.period_ = 0
        if self.step_ is not None and pd.Timedelta(0) < self.step_ <= pd.Timedelta(hours=12):
            per_day = _DAY / self.step_
            if float(per_day).is_integer():
                self.period_ = int(per_day)
        # Rows per week when the series is daily (its only season is the week).
        self.week_rows_ = 7 if self.step_ == _DAY else 0
        self.grain_ = grain_label(self.step_)
        self.n_features_in_ = 1
        return self

    def _history_rows(self) -> int:
        """Rows of history before the first row can be judged (0: from the start)."""
        return 0

    def _check_fitted(self) -> None:
        if not hasattr(self, "period_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with the "
                "series first (or use 'fit_detect')."
            )

    def _judge(self, x: pd.Series, ts: pd.Series) -> _Judgement:  # pragma: no cover
        raise NotImplementedError

    def _guards_ok(self, x: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """Minimum-volume and minimum-absolute-change guards (True = may alert)."""
        min_volume = getattr(self, "min_volume", 0.0) or 0.0
        min_abs_change = getattr(self, "min_abs_change", 0.0) or 0.0
        exp = np.where(np.isnan(expected), x, expected)
        ok = ~np.isnan(x)
        if min_volume > 0:
            # "2 -> 4 users on a Sunday night" must not page anyone: both sides are small.
            ok &= np.maximum(np.abs(x), np.abs(exp)) >= min_volume
        if min_abs_change > 0:
            ok &= np.abs(x - exp) >= min_abs_change
        return ok

    def detect(self, values: Any, timestamps: Any = None) -> Detection:
        """Score, alert and band for every row."""
        self._check_fitted()
        x, ts = self._prepare(values, timestamps)
        j = self._judge(x, ts)
        xv = x.to_numpy()
        score = ratio_to_score(j.ratio)
        score[np.isnan(xv)] = 0.0
        threshold = float(getattr(self, "threshold", 1.0))
        hot = (np.nan_to_num(j.ratio) >= threshold) & self._guards_ok(xv, j.expected)
        alert = _cooldown(hot, int(getattr(self, "cooldown", 0) or 0))
        out_ts = ts.to_numpy() if self.step_ is not None else np.arange(len(xv))
        need = self._history_rows()
        judged = np.arange(len(xv)) >= need
        return Detection(
            timestamps=out_ts,
            values=xv,
            score=score,
            alert=alert,
            expected=j.expected,
            lower=j.lower,
            upper=j.upper,
            detector=self.name,
            judged=judged,
            note=self._note(need, len(xv)),
        )

    def _note(self, need: int, rows: int) -> str:
        grain = f"A {self.grain_} series" if self.step_ is not None else "A series of rows"
        if need <= 0:
            return ""
        if rows <= need:
            return (f"{grain} of {rows} rows is too short for {self.name}: it needs "
                    f"{need} rows of history before it can judge a row; no row is judged.")
        return (f"{grain}: the first {need} rows are history for {self.name} "
                f"(not judged); {rows - need} rows judged.")

    def fit_detect(self, values: Any, timestamps: Any = None) -> Detection:
        return self.fit(values, timestamps).detect(values, timestamps)

    def score(self, values: Any, timestamps: Any = None) -> np.ndarray:
        """Anomaly score in [0, 1] per row; 0.5 is the edge of the default alert rule."""
        return self.detect(values, timestamps).score

    def alerts(self, values: Any, timestamps: Any = None) -> np.ndarray:
        """Bool per row: score at or above the threshold, guards passed, after cooldown."""
        return self.detect(values, timestamps).alert

    def bands(self, values: Any, timestamps: Any = None) -> tuple[np.ndarray, ...]:
        """``(expected, lower, upper)`` per row; NaN while the history is too short."""
        d = self.detect(values, timestamps)
        return d.expected, d.lower, d.upper


def _cooldown(hot: np.ndarray, rows: int) -> np.ndarray:
    """Keep an alert only if no alert was kept in the previous ``rows`` rows."""
    if rows <= 0:
        return hot.astype(bool)
    out = np.zeros(len(hot), dtype=bool)
    quiet_until = -1
    for i in np.flatnonzero(hot):
        if i > quiet_until:
            out[i] = True
            quiet_until = i + rows
    return out
