"""The detector contract: scikit-learn-style, causal, one series at a time.

    det = SeasonalDetector(min_volume=20).fit(values, timestamps)
    det.score(values, timestamps)   # float in [0, 1] per row, 0.5 = alert edge
    det.alerts(values, timestamps)  # bool per row, after guards and cooldown
    det.detect(values, timestamps)  # Detection: score, alert, expected, lower, upper

* The constructor only stores keyword parameters (``get_params``/``set_params``/
  ``clone`` read the signature); ``fit`` validates them and learns the cadence of the
  series (``step_``, ``period_``) and returns ``self``.
* Causal: the result for row ``t`` depends only on rows ``<= t``. A monitor calls
  ``detect`` on each slice's trailing history and judges the newest rows.
* Subclasses implement ``_judge`` which returns a ``_Judgement`` (ratio, expected, and
  the band's lower and upper edges, which need not be symmetric); this class turns it
  into the public outputs.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd

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

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "timestamp": self.timestamps,
                "value": self.values,
                "anomaly_score": self.score,
                "is_alert": self.alert.astype(int),
                "expected": self.expected,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "rows": self.to_frame().to_dict(orient="records")}


class BaseDetector:
    """Base of every detector. Subclasses declare ``name`` and implement ``_judge``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    # ---- scikit-learn parameter protocol -------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseDetector:
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter '{key}'; valid: {', '.join(valid)}."
                )
            setattr(self, key, value)
        return self

    def clone(self) -> BaseDetector:
        return type(self)(**copy.deepcopy(self.get_params()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

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
        self.n_features_in_ = 1
        return self

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
        return Detection(
            timestamps=out_ts,
            values=xv,
            score=score,
            alert=alert,
            expected=j.expected,
            lower=j.lower,
            upper=j.upper,
            detector=self.name,
        )

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
