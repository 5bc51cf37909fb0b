"""``proportion``: the default share judge (Fisher's exact test over 1, 3 and 7 days,
Bonferroni over series, windows and tails; the test itself is ``applens._proportions``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from applens._proportions import ALPHA, MIN_TICKETS, bonferroni_threshold, share_p_value
from applens.errors import InvalidParameterError
from applens.monitor.share_judges._registry import SHARE_JUDGES, ShareVerdicts

__all__ = ["ProportionJudge"]


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

    alpha: float = ALPHA
    min_tickets: int = MIN_TICKETS
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
        from scipy.stats import norm

        hits, trials = np.asarray(hits, float), np.asarray(trials, float)
        zero = np.zeros((hits.shape[0], 1))
        cum_x = np.concatenate([zero, hits.cumsum(axis=1)], axis=1)
        cum_n = np.concatenate([zero, trials.cumsum(axis=1)], axis=1)
        series = int((trials.sum(axis=1) > 0).sum())
        threshold = bonferroni_threshold(self.alpha, comparisons=len(self.windows) * series,
                                         direction=direction)
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
            p = np.where(ok, share_p_value(x, n, x0, n0, direction), 1.0)
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
                             judged & (best_p < threshold), judged, best_p)
