"""``levelshift``: a sustained change of level (change point), self-calibrated."""

from __future__ import annotations

from applens.anomalies._calibrated import CalibratedDetector
from applens.anomalies.registry import DETECTORS

__all__ = ["LevelShiftDetector"]


@DETECTORS.register("levelshift")
class LevelShiftDetector(CalibratedDetector):
    """Median of the last ``recent`` rows against the median of the ``memory`` rows before.

    A single spike barely moves a median of ``recent`` rows; a step moves it fully, so
    this detector is quiet on spikes and fires once when a level shift has lasted about
    ``recent // 2`` rows. Calibrated like ``seasonal``: 0.5 means the shift is as large as
    the largest one seen in the previous ``memory`` rows.

    Parameters
    ----------
    recent : int
        Rows in the "now" median (the detection delay is about half of it).
    memory, threshold, suppress, cooldown, min_volume, min_abs_change, warmup
        As for :class:`~applens.anomalies.SeasonalDetector`.
    """

    name = "levelshift"
    summary = "Change point: median of the last rows vs the long past, self-calibrated."
    components = ("shift",)

    def __init__(
        self,
        *,
        recent: int = 12,
        memory: int = 8064,
        threshold: float = 1.02,
        suppress: int = 50,
        cooldown: int = 0,
        min_volume: float = 0.0,
        min_abs_change: float = 0.0,
        warmup: int | None = None,
    ) -> None:
        self.recent = recent
        self.memory = memory
        self.threshold = threshold
        self.suppress = suppress
        self.cooldown = cooldown
        self.min_volume = min_volume
        self.min_abs_change = min_abs_change
        self.warmup = warmup

    def _validate_params(self) -> None:
        super()._validate_params()
        self._check_number("recent", 2, integer=True)
