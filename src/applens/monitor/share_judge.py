"""Count-aware judges for a monitor whose value is a share of counted things (the negative
share of support tickets), registered in ``SHARE_JUDGES``.

The anomaly detectors see one number per slice and calibrate on weeks of them; a share
of a few tickets a day needs the counts behind it, and a new app version has no weeks.
A share judge sees every series' daily ``hits`` (negative tickets) and ``trials``
(tickets whose negativity is known) at once, and says per series and day whether the
share is off. A monitor picks one by name in ``detector`` (``"proportion"`` is the
default of ``tickets = "negative_share"``); ``params`` are its keyword arguments.

    @SHARE_JUDGES.register("name")
    @dataclass(frozen=True)
    class MyJudge:
        def judge(self, hits, trials, *, others: bool, direction: str) -> ShareVerdicts: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from applens.errors import InvalidParameterError
from applens.registry import Registry

__all__ = ["SHARE_JUDGES", "ProportionJudge", "ShareJudge", "ShareVerdicts", "get_share_judge"]


class ShareVerdicts(NamedTuple):
    """Arrays of shape (series, days), like a detector's ``Detection`` per series."""

    value: np.ndarray  # the judged share (NaN where nothing was judged)
    expected: np.ndarray  # the baseline's share
    lower: np.ndarray  # the band's edges at the alert threshold
    upper: np.ndarray
    score: np.ndarray  # in [0, 1]; 0.5 is the alert edge
    alert: np.ndarray  # bool
    judged: np.ndarray  # bool: enough tickets on both sides to judge


class ShareJudge(Protocol):
    def judge(self, hits: np.ndarray, trials: np.ndarray, *, others: bool,
              direction: str = "both") -> ShareVerdicts: ...


SHARE_JUDGES: Registry[type[Any]] = Registry(
    "share judge", hint="Tickets monitors also take any anomaly detector ('applens anomalies "
    "list').")


def get_share_judge(name: str, params: dict[str, Any]) -> ShareJudge:
    """The judge ``name`` with ``params``; a bad parameter raises InvalidParameterError."""
    cls = SHARE_JUDGES.get(name)
    fields = list(cls.__dataclass_fields__)
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise InvalidParameterError(f"'{unknown[0]}' is not a parameter of '{name}'; it takes "
                                    f"{', '.join(fields)}.")
    judge = cls(**params)
    judge.check()
    return judge


def _window_sums(cum: np.ndarray, days: int) -> np.ndarray:
    """Trailing sums over ``days`` days ending at each day (shorter at the start)."""
    t = np.arange(cum.shape[1] - 1)
    return cum[:, t + 1] - cum[:, np.maximum(t - days + 1, 0)]


@SHARE_JUDGES.register("proportion")
@dataclass(frozen=True)
class ProportionJudge:
    """Is a series' share over the last 1, 3 or 7 days higher or lower than the baseline's?

    The baseline is the other series in the same days (``others``: app versions, which
    should not differ) or else the series' own days before the window (one series, or
    request types, which differ by nature). Each comparison is Fisher's exact test (the
    hypergeometric tail, exact on a handful of tickets), and needs ``min_tickets`` judged
    tickets on each side. ``alpha`` is the chance of a false alert per day for the whole
    monitor: it is split over the series, the windows and the directions watched
    (Bonferroni; a ``direction = "spike"`` monitor tests one tail), so adding versions
    does not add false alerts. A short window catches a loud jump on
    its first day; a long one a quiet jump after a few.
    """

    alpha: float = 0.01
    min_tickets: int = 10
    windows: tuple[int, ...] = (1, 3, 7)

    def check(self) -> None:
        if not 0 < self.alpha < 1:
            raise InvalidParameterError(f"alpha must be between 0 and 1; got {self.alpha}.")
        if self.min_tickets < 1:
            raise InvalidParameterError(f"min_tickets must be at least 1; got {self.min_tickets}.")
        if not self.windows or any(int(w) != w or w < 1 for w in self.windows):
            raise InvalidParameterError(f"windows must be whole days (>= 1); got {self.windows}.")

    def judge(self, hits: np.ndarray, trials: np.ndarray, *, others: bool,
              direction: str = "both") -> ShareVerdicts:
        from scipy.stats import hypergeom, norm

        hits, trials = np.asarray(hits, float), np.asarray(trials, float)
        zero = np.zeros((hits.shape[0], 1))
        cum_x = np.concatenate([zero, hits.cumsum(axis=1)], axis=1)
        cum_n = np.concatenate([zero, trials.cumsum(axis=1)], axis=1)
        series = int((trials.sum(axis=1) > 0).sum())
        tails = 2 if direction == "both" else 1
        threshold = self.alpha / (tails * len(self.windows) * max(series, 1))
        shape = hits.shape
        best_p = np.ones(shape)
        value, expected, n_in, n_base = (np.full(shape, np.nan) for _ in range(4))
        for days in sorted(self.windows):
            x, n = _window_sums(cum_x, days), _window_sums(cum_n, days)
            if others:  # the other series, same days
                x0, n0 = x.sum(axis=0) - x, n.sum(axis=0) - n
            else:  # the series' own days before the window
                x0, n0 = cum_x[:, 1:] - x, cum_n[:, 1:] - n
            ok = (n >= self.min_tickets) & (n0 >= self.min_tickets)
            total, positives = n + n0, x + x0
            p_high = hypergeom.sf(x - 1, total, positives, n)  # this many or more
            p_low = hypergeom.cdf(x, total, positives, n)  # this few or fewer
            p = {"spike": p_high, "drop": p_low}.get(direction, np.minimum(p_high, p_low))
            p = np.where(ok, p, 1.0)
            take = ok & (np.isnan(value) | (p < best_p))  # the most telling window
            best_p = np.where(take, p, best_p)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.where(take, x / n, value)
                expected = np.where(take, x0 / n0, expected)
            n_in, n_base = np.where(take, n, n_in), np.where(take, n0, n_base)
        judged = ~np.isnan(value)
        with np.errstate(invalid="ignore", divide="ignore"):  # unjudged: the day's own share
            value = np.where(judged, value, hits / np.where(trials > 0, trials, np.nan))
        z = norm.isf(threshold)
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = z * np.sqrt(expected * (1 - expected) * (1 / n_in + 1 / n_base))
            score = np.clip(0.5 * np.log(best_p) / np.log(threshold), 0.0, 1.0)
        return ShareVerdicts(value, expected, np.clip(expected - spread, 0, 1),
                             np.clip(expected + spread, 0, 1), np.where(judged, score, 0.0),
                             judged & (best_p < threshold), judged)
