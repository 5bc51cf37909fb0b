"""``seasonal``: the same slot on previous days and weeks, self-calibrated."""

from __future__ import annotations

from applens.anomalies._calibrated import CalibratedDetector
from applens.anomalies.registry import DETECTORS

__all__ = ["SeasonalDetector"]


@DETECTORS.register("seasonal")
class SeasonalDetector(CalibratedDetector):
    """Robust seasonal baseline with a threshold calibrated on the series' own history.

    Expected value = median of the same time-of-day slot over the previous ``n_days``
    days; a second baseline uses the same slot of the previous ``n_weeks`` weeks. When
    the series has no clock or no daily season, a trailing median of the previous
    ``memory`` rows is used instead. Each baseline's robust z (residual / MAD) is divided
    by the largest z of the previous ``memory`` rows, so the score is 0.5 when a slot is
    as unusual as the most unusual slot in that memory.

    Parameters
    ----------
    n_days, n_weeks : int
        How many previous days / weeks form the seasonal median.
    memory : int
        Rows of history for the noise scale and the calibration.
    threshold : float
        Alert when the calibrated ratio reaches this (1.0 = a new record).
    suppress : int
        Rows after a crossing during which the score is capped below the edge.
    cooldown : int
        Rows after an alert during which further alerts are dropped.
    min_volume, min_abs_change : float
        Guards: no alert unless value or expected reaches ``min_volume`` and the
        absolute change from the expected value reaches ``min_abs_change``.
    warmup : int or None
        Rows before any score; None = one day of slots (288 without a daily season).

    Examples
    --------
    >>> det = SeasonalDetector(min_volume=50).fit(values, timestamps)  # doctest: +SKIP
    >>> det.alerts(values, timestamps)  # doctest: +SKIP
    """

    name = "seasonal"
    summary = "Same slot on previous days/weeks (median/MAD), self-calibrated threshold."
    components = ("daily", "weekly", "level")

    def __init__(
        self,
        *,
        n_days: int = 7,
        n_weeks: int = 4,
        memory: int = 8064,
        threshold: float = 1.02,
        suppress: int = 50,
        cooldown: int = 0,
        min_volume: float = 0.0,
        min_abs_change: float = 0.0,
        warmup: int | None = None,
    ) -> None:
        self.n_days = n_days
        self.n_weeks = n_weeks
        self.memory = memory
        self.threshold = threshold
        self.suppress = suppress
        self.cooldown = cooldown
        self.min_volume = min_volume
        self.min_abs_change = min_abs_change
        self.warmup = warmup

    def _validate_params(self) -> None:
        super()._validate_params()
        self._check_number("n_days", 2, integer=True)
        self._check_number("n_weeks", 2, integer=True)
