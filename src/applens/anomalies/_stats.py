"""Causal rolling statistics shared by the detectors.

Every function here is *causal*: the value at row ``t`` depends only on rows ``<= t``
(baselines and scales use rows ``< t``). That is what makes a backtest on history
measure what production will do on the newest slice.

Inputs are a float ``pd.Series`` with a default ``RangeIndex`` and a matching
``pd.Series`` of timestamps (naive, sorted). Missing values are NaN and simply do not
contribute to the statistics.
"""

from __future__ import annotations

import bisect
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from applens.anomalies._lags import lagged, season_lags

__all__ = [
    "Baseline",
    "calibrated",
    "count_like",
    "clean_reference",
    "lagged",
    "level_baseline",
    "ratio_to_score",
    "record_ratio",
    "season_lags",
    "seasonal_baseline",
    "shift_baseline",
    "suppress_after",
    "sustained_baseline",
]

_EPS = 1e-9
# IQR of a normal distribution in sigmas; MAD -> sigma factor.
_IQR_SIGMA = 1.349
_MAD_SIGMA = 1.4826


class Baseline(NamedTuple):
    """What a baseline predicts for each row and how far the row is from it."""

    expected: pd.Series  # NaN where the history is too short
    scale: pd.Series  # robust sigma of the noise around ``expected`` (> 0)
    z: pd.Series  # signed (value - expected) / scale, NaN where unknown


def _floor_scale(scale: pd.Series, level: pd.Series, rel_floor: float) -> pd.Series:
    # A flat or quantised stretch has IQR = 0; without a floor relative to the level,
    # any wiggle would be "infinitely" surprising.
    return np.maximum(scale, rel_floor * level.abs()).clip(lower=_EPS)


def level_baseline(
    x: pd.Series, window: int, min_periods: int, rel_floor: float = 0.01
) -> Baseline:
    """Median and IQR-sigma of up to ``window`` previous rows."""
    past = x.shift(1).rolling(window, min_periods=min_periods)
    med = past.median()
    scale = (past.quantile(0.75) - past.quantile(0.25)) / _IQR_SIGMA
    scale = _floor_scale(scale, med, rel_floor)
    return Baseline(med, scale, (x - med) / scale)


def shift_baseline(
    x: pd.Series, recent: int, window: int, min_periods: int, rel_floor: float = 0.01
) -> Baseline:
    """Level shift: median of the last ``recent`` rows against the ``window`` rows before.

    A single spike barely moves a median of ``recent`` rows, a sustained step moves it
    fully, so this component is quiet on spikes and loud on shifts.
    """
    now = x.rolling(recent, min_periods=max(1, recent // 2 + 1)).median()
    past = x.shift(recent).rolling(window, min_periods=min_periods)
    med = past.median()
    scale = (past.quantile(0.75) - past.quantile(0.25)) / _IQR_SIGMA
    scale = _floor_scale(scale, med, rel_floor)
    return Baseline(med, scale, (now - med) / scale)


def sustained_baseline(
    x: pd.Series,
    ts: pd.Series,
    season: pd.Timedelta,
    n_seasons: int,
    rows: int,
    window: int,
    min_periods: int,
    rel_floor: float = 0.01,
    past: pd.Series | None = None,
) -> Baseline:
    """Sustained shortfall (or surplus): the median of the last ``rows`` rows against the
    median of the same ``rows``-row stretch in the previous ``n_seasons`` seasons.

    One odd slot barely moves either median; a hole lasting more than half of ``rows``
    moves the first fully, and pooling ``rows * n_seasons`` past values makes the
    expectation far steadier than a per-slot one. The scale is the MAD of this view's own
    past residuals, so a 90 % drop of a bursty metric, which no single slot can prove
    (bursty slices have empty slots now and then), stands out after ``rows // 2 + 1`` rows.
    """
    need = rows // 2 + 1
    now = x.rolling(rows, min_periods=need).median()
    # Earlier seasons with incident rows blanked (``past``), raw where that leaves < 2,
    # as the daily view it rides with reads them.
    seasons = season_lags(x, ts, [season * k for k in range(1, n_seasons + 1)], past)
    lags = [seasons[c].to_numpy() for c in seasons.columns]
    pooled = np.column_stack(
        [np.roll(col, s) if s else col for col in lags for s in range(rows)]
    )
    for s in range(1, rows):  # np.roll wraps around: blank the wrapped rows
        pooled[:s, [c * rows + s for c in range(n_seasons)]] = np.nan
    enough = np.sum(~np.isnan(pooled), axis=1) >= 2 * need
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: median is NaN
        med = np.nanmedian(pooled, axis=1)
    expected = pd.Series(np.where(enough, med, np.nan), index=x.index)
    resid = now - expected
    scale = resid.abs().shift(1).rolling(window, min_periods=min_periods).median() * _MAD_SIGMA
    level = x.abs().shift(1).rolling(window, min_periods=min_periods).median()
    scale = _floor_scale(scale, level, rel_floor)
    return Baseline(expected, scale, resid / scale)


def seasonal_baseline(
    x: pd.Series,
    ts: pd.Series,
    season: pd.Timedelta,
    n_seasons: int,
    window: int,
    min_periods: int,
    min_seasons: int = 2,
    rel_floor: float = 0.01,
    past: pd.Series | None = None,
) -> Baseline:
    """Median of the same slot in the previous ``n_seasons`` seasons (days or weeks).

    The noise scale is the MAD of the seasonal residuals over the previous ``window``
    rows, so a series whose shape repeats exactly gets a tight band. ``past`` (default
    ``x``) is what earlier seasons are read from: ``x`` with incident rows blanked, so
    last week's holiday is not this week's expectation.
    """
    lags = season_lags(x, ts, [season * k for k in range(1, n_seasons + 1)], past, min_seasons)
    enough = lags.notna().sum(axis=1) >= min_seasons
    expected = lags.median(axis=1).where(enough)
    resid = x - expected
    scale = resid.abs().shift(1).rolling(window, min_periods=min_periods).median() * _MAD_SIGMA
    level = x.abs().shift(1).rolling(window, min_periods=min_periods).median()
    scale = _floor_scale(scale, level, rel_floor)
    return Baseline(expected, scale, resid / scale)


def count_like(x: pd.Series, min_integer_share: float = 0.99) -> np.ndarray:
    """Per row: does the history up to and including the row look like event counts?

    Counts are never negative and (almost) always whole numbers. Decided causally, from
    rows ``<= t`` only, so a backtest sees what production would have decided.
    """
    v = x.to_numpy(dtype=float)
    seen = ~np.isnan(v)
    n_seen = np.cumsum(seen)
    negative = np.cumsum(seen & (v < 0)) > 0
    whole = np.cumsum(seen & (np.abs(v - np.round(v)) < 1e-9))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = whole / n_seen
    return (n_seen > 0) & ~negative & (share >= min_integer_share)


def record_ratio(z: pd.Series, window: int, min_periods: int) -> pd.Series:
    """``z`` divided by the largest ``z`` of the previous ``window`` rows.

    This is the self-calibration: 1.0 means "as unusual as the most unusual point of
    the recent past", whatever the series' own noise level, so spiky and smooth series
    can share one threshold.
    """
    ref = z.shift(1).rolling(window, min_periods=min_periods).max()
    return (z / ref.clip(lower=_EPS)).fillna(0.0)


# Calibrate against a very high quantile rather than the plain maximum, so one past
# incident in the memory does not blind the detector to the next (nab-dev: max 61.9,
# q 0.9995 66.0 standard, swept).
CALIBRATION_QUANTILE = 0.9995


def calibrated(
    base: Baseline, window: int, min_periods: int, q: float = CALIBRATION_QUANTILE, *,
    clean: bool = False, big: float = 1.5, max_run: int = 96, pad: int = 4,
) -> tuple[pd.Series, pd.Series]:
    """Near-record ratio of a baseline's |z|, and the band half-width where it is 1.

    Both directions share one calibration. Calibrating rises and drops separately was
    tried (each against its own record, with a 3-sigma floor): it cost 3-8 NAB-dev points
    and was not needed for drops of bursty counts once those are judged on the square
    root scale and by the ``sustained`` view.
    """
    z = base.z.abs()
    if clean:
        ref = pd.Series(clean_reference(z.to_numpy(dtype=float), window, min_periods, q,
                                        big=big, max_run=max_run, pad=pad), index=z.index)
    else:
        past = z.shift(1).rolling(window, min_periods=min_periods)
        ref = (past.max() if q >= 1 else past.quantile(q)).clip(lower=_EPS)
    ratio = (z / ref).fillna(0.0)
    return ratio, ref * base.scale


_PROVISIONAL_ROWS = 96


def clean_reference(z: np.ndarray, window: int, min_periods: int, q: float, *,
                    big: float, max_run: int, pad: int) -> np.ndarray:
    """The ``q``-quantile of the previous ``window`` rows' |z|, leaving incidents out.

    A row at least ``big`` times the reference of its time is an incident row: it and
    the ``pad`` rows after it never enter the reference, so a big outage does not raise
    the bar the next, smaller incident must clear for the following ``window`` rows.
    While fewer than ``min_periods`` rows count, no reference is returned but one from
    at least ``_PROVISIONAL_ROWS`` rows already keeps incidents out (an outage during the
    warm-up would otherwise set the bar for the whole memory).
    Only the first ``max_run`` such rows of a run (rows at most ``pad`` apart) are left
    out: a longer run is a new normal (a noisier regime) and counts again, which is
    what keeps the reference from running away. Causal: row ``t`` reads rows ``< t``.
    Returns NaN where fewer than ``min_periods`` rows count.
    """
    n = len(z)
    out = np.full(n, np.nan)
    # Until the first incident row the reference is the plain rolling quantile: take it
    # from pandas and walk row by row only from there (most series have no incident).
    provisional = min(max(min_periods, 1), _PROVISIONAL_ROWS, window)
    past = pd.Series(z).shift(1).rolling(window, min_periods=provisional)
    plain = np.maximum((past.max() if q >= 1 else past.quantile(q)).to_numpy(), _EPS)
    enough = past.count().to_numpy() >= min_periods
    with np.errstate(invalid="ignore"):
        first = np.flatnonzero(z >= big * plain)
    t0 = int(first[0]) if first.size else n
    out[:t0] = np.where(enough[:t0], plain[:t0], np.nan)
    if t0 == n:
        return out
    counted = np.zeros(n, dtype=bool)
    start = max(0, t0 - window)
    counted[start:t0] = ~np.isnan(z[start:t0])
    kept = sorted(z[start:t0][counted[start:t0]].tolist())  # sorted |z| in the window
    skip_until, run, last = -1, 0, -(10**9)
    for t in range(t0, n):
        old = t - window - 1  # the row that just left the window
        if old >= 0 and counted[old]:
            del kept[bisect.bisect_left(kept, z[old])]
        m = len(kept)
        ref = np.nan
        if m >= provisional:
            pos = q * (m - 1) if q < 1 else m - 1
            lo = int(pos)
            hi = min(lo + 1, m - 1)
            ref = max(kept[lo] + (kept[hi] - kept[lo]) * (pos - lo), _EPS)
            if m >= min_periods:
                out[t] = ref
        zt = z[t]
        if zt != zt:  # NaN: no opinion, nothing to count
            continue
        if ref == ref and zt >= big * ref:
            run = run + 1 if t - last <= pad + 1 else 1
            last = t
            if run <= max_run:
                skip_until = t + pad
                continue
        if t <= skip_until:
            continue
        bisect.insort(kept, zt)
        counted[t] = True
    return out


def suppress_after(ratio: np.ndarray, threshold: float, rows: int, *, extend: bool = False,
                   worse: float = 0.0, fresh: np.ndarray | None = None,
                   fresh_after: int = 0, severity: np.ndarray | None = None) -> np.ndarray:
    """Cap the ratio just below ``threshold`` for ``rows`` rows after each crossing.

    One incident produces one crossing instead of a storm; the cap is causal because it
    only looks at earlier crossings. With ``extend``, every crossing inside the quiet
    stretch prolongs it (one holiday, one alert); with ``worse`` > 0, a crossing at least
    ``worse`` times the ratio that opened the episode is let through and opens a new one
    (an outage right after a small blip is not swallowed by the blip's quiet stretch).
    ``fresh`` (bool per row) lets a crossing through that is a new incident against the
    level of the last rows (a slice at a third of normal inside a x0.7 shift), once the
    episode has lasted more than ``fresh_after`` rows (so those rows are all its own).
    ``severity`` (default: the ratio) is what ``worse`` compares: evidence that only
    accumulates over a long run (a day-long sum) is no worse incident.
    """
    out = np.asarray(ratio, dtype=float).copy()
    if rows <= 0:
        return out
    cap = np.nextafter(threshold, -np.inf)
    sev = out if severity is None else np.asarray(severity, dtype=float)
    quiet_until, opened, opened_at = -1, 0.0, -1
    for i, r in enumerate(out):
        if i <= quiet_until:
            if r >= threshold:
                if (worse > 0 and sev[i] >= worse * opened) or (
                        fresh is not None and fresh[i] and i - opened_at > fresh_after):
                    quiet_until, opened, opened_at = i + rows, max(sev[i], threshold), i
                    continue
                if extend:
                    quiet_until = i + rows
            out[i] = min(r, cap)
        elif r >= threshold:
            quiet_until, opened, opened_at = i + rows, max(sev[i], threshold), i
    return out


def ratio_to_score(ratio: np.ndarray | pd.Series) -> np.ndarray:
    """Map a non-negative ratio (1 = at the alert edge) to [0, 1) with 0.5 at the edge."""
    r = np.nan_to_num(np.abs(np.asarray(ratio, dtype=float)), nan=0.0, posinf=1e12)
    return r / (r + 1.0)

