"""The count view's seasonal expectations (issue 15, small slices).

Per slot, what the count view reads a slice against and how noisy that reading is: the
median of the same slot on past days or weeks with its noise from the seasons it actually
had, and the mean of that slot's and its neighbours' medians (a third of the noise; a
smooth daily shape's slope cancels). Causal: every value read is a season (less a few
steps) old.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from applens.anomalies._stats import Baseline, season_lags

__all__ = ["count_views", "neighbour_expectation", "seasons_seen"]

# The expectation's noise from the seasons its median had (2 in a series' third week,
# fewer after a blanked incident), not the nominal n_weeks: the understated noise of those
# rows went into the overdispersion (product bench 25/slice: its dispersion at the spike
# 0.010-0.017 -> 0.006-0.017, late slice 0.0 -> 0.2, false episodes 0.026 -> 0.024).
SEASONS_SEEN = True
# Neighbour slots either side in the 3-slot view, which competes with the plain one (the
# smaller count variance decides per row). Product bench 10 seeds with the drop CUSUM:
# 25/slice shift_down 0.9 -> 1.0 (delay 26 -> 20.5), false episodes 0.024 -> 0.014;
# 200/slice late slice 0.7 -> 0.9; but one borderline first-Saturday episode each at 2000
# and 200/slice (0 -> 0.0048 / 0.0024); NAB-dev shipped 69.37 -> 69.09. 0 turns it off.
NEIGHBOURS = 1


def count_views(root: pd.Series, past: pd.Series | None, ts: pd.Series | None,
                step: pd.Timedelta | None, bases: dict[str, Baseline | None],
                fits: dict[str, np.ndarray], seasons: dict[str, int]
                ) -> list[tuple[np.ndarray, np.ndarray, int | np.ndarray]]:
    """``(expected counts, scale, seasons)`` per view for ``count_evidence``, from the
    seasonal baselines (square-root scale) of each kind in ``seasons``; a view that does
    not ``fits`` has no opinion (NaN scale). ``past`` is ``root`` with incidents blanked
    (None: nothing blanked)."""
    views: list[tuple[np.ndarray, np.ndarray, int | np.ndarray]] = []
    for kind, n in seasons.items():
        base = bases.get(kind)
        if base is None:
            continue
        scale = np.where(fits.get(kind, True), base.scale.to_numpy(), np.nan)
        expected = np.clip(base.expected.to_numpy(), 0.0, None) ** 2
        if not SEASONS_SEEN or ts is None:
            views.append((expected, scale, n))
            continue
        season = pd.Timedelta(days=7 if kind == "weekly" else 1)
        views.append((expected, scale, seasons_seen(root, ts, season, n, past)))
        if NEIGHBOURS and step is not None:
            e_nb, d_nb = neighbour_expectation(root, ts, season, n, step, NEIGHBOURS, past)
            views.append((e_nb, scale, d_nb))
    return views


def seasons_seen(src: pd.Series, ts: pd.Series, season: pd.Timedelta, n_seasons: int,
                 past: pd.Series | None = None) -> np.ndarray:
    """Per row: how many of the previous ``n_seasons`` seasons ``seasonal_baseline`` read
    a value from (its median's draws; ``past``: ``src`` with incidents blanked)."""
    lags = season_lags(src, ts, [season * k for k in range(1, n_seasons + 1)], past)
    return lags.notna().sum(axis=1).to_numpy()


def neighbour_expectation(src: pd.Series, ts: pd.Series, season: pd.Timedelta,
                          n_seasons: int, step: pd.Timedelta, slots: int,
                          past: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Counts expected per row: the mean over this slot and ``slots`` neighbours either
    side of the median of the same slot in the previous ``n_seasons`` seasons (``src``
    on the square-root scale; ``past``: with incidents blanked), and the draws behind it.
    Causal: every lag is at least a season less ``slots`` steps."""
    meds, draws = [], []
    for k in range(-slots, slots + 1):
        lags = season_lags(src, ts, [season * j - step * k for j in range(1, n_seasons + 1)],
                           past)
        n = lags.notna().sum(axis=1).to_numpy()
        med = lags.median(axis=1).where(n >= 2).to_numpy()
        meds.append(np.clip(med, 0.0, None) ** 2)
        draws.append(n)
    return np.mean(meds, axis=0), np.sum(draws, axis=0)
