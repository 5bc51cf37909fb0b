"""``simple``: the seed projects' IQR rule, kept for people migrating from it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from applens.anomalies._base import BaseDetector, _Judgement
from applens.anomalies.registry import DETECTORS

__all__ = ["SimpleIQRDetector"]


@DETECTORS.register("simple")
class SimpleIQRDetector(BaseDetector):
    """Quartiles of the previous ``n`` slices, band ``[q25 - a*IQR, q75 + a*IQR]``.

    The band is smoothed like the seed DAGs' centred rolling mean, which at the newest
    slice only sees the previous ``n // 2 + 1`` bands (so it stays causal). Alerts when a
    value leaves the band. This is the rule the seeds shipped; on NAB it fires on about
    9 % of rows, so prefer ``default`` and use this only to compare.

    Parameters
    ----------
    n : int
        Previous slices in the quartile window.
    a : float
        Band width in IQRs.
    cooldown, min_volume, min_abs_change
        As for :class:`~applens.anomalies.SeasonalDetector`.
    """

    name = "simple"
    summary = "Seed rule: IQR band over the previous n slices (legacy, noisy)."

    def __init__(
        self,
        *,
        n: int = 5,
        a: float = 3.0,
        cooldown: int = 0,
        min_volume: float = 0.0,
        min_abs_change: float = 0.0,
    ) -> None:
        self.n = n
        self.a = a
        self.cooldown = cooldown
        self.min_volume = min_volume
        self.min_abs_change = min_abs_change

    def _validate_params(self) -> None:
        self._check_number("n", 2, integer=True)
        self._check_number("a", 0.0)
        self._check_number("cooldown", 0, integer=True)
        self._check_number("min_volume", 0.0)
        self._check_number("min_abs_change", 0.0)

    def _history_rows(self) -> int:
        return int(self.n)

    def _judge(self, x: pd.Series, ts: pd.Series) -> _Judgement:
        n, a = int(self.n), float(self.a)
        past = x.shift(1).rolling(n)
        q25, q75 = past.quantile(0.25), past.quantile(0.75)
        iqr = q75 - q25
        smooth = n // 2 + 1
        low = (q25 - a * iqr).rolling(smooth, min_periods=1).mean()
        up = (q75 + a * iqr).rolling(smooth, min_periods=1).mean()
        centre = ((up + low) / 2.0).to_numpy()
        half = ((up - low) / 2.0).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.abs(x.to_numpy() - centre) / np.clip(half, 1e-9, None)
        return _Judgement(np.nan_to_num(ratio, nan=0.0), centre, centre - half, centre + half)
