"""``default``: seasonal + level + level-shift components under one calibration."""

from __future__ import annotations

from applens.anomalies._calibrated import CalibratedDetector
from applens.anomalies.registry import DETECTORS
from applens.errors import InvalidParameterError

__all__ = ["DefaultDetector"]


@DETECTORS.register("default")
class DefaultDetector(CalibratedDetector):
    """The combined detector applens uses unless told otherwise.

    Four causal baselines, each self-calibrated against the series' own history (see
    :class:`~applens.anomalies.SeasonalDetector`): the same slot on previous days, the
    same slot on previous weeks, the trailing level (spikes and drops against the long
    past) and a level shift (median of the last ``recent`` rows). The score is the
    largest calibrated ratio, so whichever view finds the row most unusual decides; after
    a crossing the score is capped for ``suppress`` rows so one incident is one alert.

    Parameters are those of ``SeasonalDetector`` plus ``recent`` of
    ``LevelShiftDetector``, and:

    clean_factor : float
        On event counts, a row at least this many times the calibration reference is an
        incident and stays out of the reference afterwards, so a big outage does not
        hide the next, smaller one (0 turns it off).
    fit_factor : float
        A per-slot view whose noise scale is more than this many times the best view's
        sits out (the plain level of a series with a daily shape); 0 turns it off.
    count_z : float
        On event counts, the last slice (and the last hour of slices) is also tested
        against its seasonal expectation under a negative binomial whose overdispersion
        is the series' own; a tail this many sigmas out alerts (0 turns it off).
    spike_z : float
        On event counts, the bar of the count view for two slices up (a campaign's
        spike); 0: ``count_z`` applies. Only a bar below ``count_z`` does anything (the
        two-slice run is already judged against ``count_z``), and with ``count_z`` 0 the
        count view is off, this bar with it.
    """

    name = "default"
    summary = "Combined: daily + weekly seasonal, level and level-shift, self-calibrated."
    components = ("daily", "weekly", "level", "shift", "sustained")

    def __init__(
        self,
        *,
        n_days: int = 7,
        n_weeks: int = 4,
        recent: int = 12,
        sustain: int = 8,
        memory: int = 8064,
        threshold: float = 1.02,
        suppress: int = 50,
        cooldown: int = 0,
        min_volume: float = 0.0,
        min_abs_change: float = 0.0,
        warmup: int | None = None,
        clean_factor: float = 1.5,
        fit_factor: float = 2.0,
        count_z: float = 4.5,
        spike_z: float = 4.0,
    ) -> None:
        self.n_days = n_days
        self.n_weeks = n_weeks
        self.recent = recent
        self.sustain = sustain
        self.memory = memory
        self.threshold = threshold
        self.suppress = suppress
        self.cooldown = cooldown
        self.min_volume = min_volume
        self.min_abs_change = min_abs_change
        self.warmup = warmup
        self.clean_factor = clean_factor
        self.fit_factor = fit_factor
        self.count_z = count_z
        self.spike_z = spike_z

    def _validate_params(self) -> None:
        super()._validate_params()
        self._check_number("n_days", 2, integer=True)
        self._check_number("n_weeks", 2, integer=True)
        self._check_number("recent", 2, integer=True)
        self._check_number("sustain", 2, integer=True)
        self._check_number("clean_factor", 0.0)
        if 0 < self.clean_factor < 1:
            raise InvalidParameterError(
                f"The 'clean_factor' parameter of DefaultDetector must be 0 (off) or >= 1 "
                f"(a row below the reference is no incident). Got {self.clean_factor!r}.")
        self._check_number("fit_factor", 0.0)
        self._check_number("count_z", 0.0)
        self._check_number("spike_z", 0.0)
