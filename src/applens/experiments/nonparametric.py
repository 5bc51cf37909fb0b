"""Robustness checks: Mann–Whitney U, (Poisson) bootstrap and the bucket transform.

Mann–Whitney tests stochastic dominance, not the mean: on revenue-like metrics it can
disagree with the t-test (the seed notebook's p=0.48 vs p=6e-56), so its estimate is the
probability of superiority ``P(T > C) + ½·P(T = C)``, not a difference of means.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Literal

import numpy as np
from scipy import stats

from applens.errors import InvalidParameterError
from applens.experiments import codes
from applens.experiments._compare import check_alpha, check_alternative
from applens.experiments.results import Alternative, ResultWarning, TestResult
from applens.experiments.stats import as_float_array

__all__ = ["bootstrap", "bucket_transform", "mann_whitney"]

BootstrapStatistic = Literal["mean", "median", "ratio"]
# Draw at most this many numbers per chunk so 10,000 resamples of 100k users fit in memory.
_CHUNK_CELLS = 4_000_000


def _nan_result(method: str, c: np.ndarray, t: np.ndarray, alternative: Alternative,
                alpha: float, status: str, message: str) -> TestResult:
    nan = math.nan
    return TestResult(
        method, nan, nan, nan, nan, nan, nan, nan, False, alternative, alpha,
        float(c.mean()) if c.size else nan, float(t.mean()) if t.size else nan,
        int(c.size), int(t.size), status, (ResultWarning(status, message),),
    )


def mann_whitney(
    control_values: Any,
    treatment_values: Any,
    *,
    alternative: Alternative = "two-sided",
    method: Literal["auto", "exact", "asymptotic"] = "auto",
    alpha: float = 0.05,
) -> TestResult:
    """Mann–Whitney U test of treatment vs control (scipy, continuity correction on).

    ``statistic`` is U of the treatment sample; ``estimate`` is U/(n_t·n_c), the
    probability that a random treatment unit beats a random control unit (ties count ½).
    """
    check_alternative(alternative)
    check_alpha(alpha)
    if method not in ("auto", "exact", "asymptotic"):
        raise InvalidParameterError(f"method must be auto, exact or asymptotic; got {method!r}.")
    c = as_float_array(control_values, "control_values")
    t = as_float_array(treatment_values, "treatment_values")
    if c.size < 1 or t.size < 1:
        return _nan_result("mann_whitney", c, t, alternative, alpha, codes.INSUFFICIENT_DATA,
                           f"both arms need values; got control={c.size}, treatment={t.size}.")
    if np.ptp(np.concatenate([c, t])) == 0:
        return _nan_result("mann_whitney", c, t, alternative, alpha, codes.ZERO_VARIANCE,
                           "every value is the same; ranks carry no information.")
    res = stats.mannwhitneyu(t, c, use_continuity=True, alternative=alternative, method=method)
    u = float(res.statistic)
    nan = math.nan
    return TestResult(
        "mann_whitney", u / (t.size * c.size), nan, nan, nan, float(res.pvalue), u, nan, False,
        alternative, alpha, float(c.mean()), float(t.mean()), int(c.size), int(t.size),
    )


def _resample(
    values: np.ndarray, statistic: BootstrapStatistic, n_resamples: int, poisson: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """``n_resamples`` bootstrap replicates of ``statistic`` for one arm, in chunks."""
    n = values.shape[0]
    binary = values.ndim == 1 and bool(np.isin(values, (0.0, 1.0)).all())
    chunk = n_resamples if binary else max(1, _CHUNK_CELLS // max(n, 1))
    out = np.empty(n_resamples)
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        if poisson:
            # Poisson(1) weights per unit: streaming-friendly, no resampling index.
            w = rng.poisson(1.0, size=(size, n)).astype(float)
            if statistic == "ratio":
                out[start:start + size] = (w @ values[:, 0]) / (w @ values[:, 1])
            elif statistic == "mean":
                out[start:start + size] = (w @ values) / w.sum(axis=1)
            else:
                raise InvalidParameterError("poisson=True supports mean and ratio, not median.")
            continue
        if statistic == "mean" and binary:
            # The mean of a resample of 0/1 values is exactly Binomial(n, p)/n.
            out[start:start + size] = rng.binomial(n, values.mean(), size) / n
            continue
        idx = rng.integers(0, n, size=(size, n))
        sample = values[idx]
        if statistic == "ratio":
            out[start:start + size] = sample[..., 0].sum(axis=1) / sample[..., 1].sum(axis=1)
        elif statistic == "mean":
            out[start:start + size] = sample.mean(axis=1)
        else:
            out[start:start + size] = np.median(sample, axis=1)
    return out


def _point(values: np.ndarray, statistic: BootstrapStatistic) -> float:
    if statistic == "ratio":
        return float(values[:, 0].sum() / values[:, 1].sum())
    return float(values.mean() if statistic == "mean" else np.median(values))


def _as_values(values: Any, statistic: BootstrapStatistic, name: str) -> np.ndarray:
    if statistic != "ratio":
        return as_float_array(values, name)
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InvalidParameterError(
            f"{name}: statistic='ratio' needs an (n, 2) array of [numerator, denominator]."
        )
    return array


def bootstrap(
    control_values: Any,
    treatment_values: Any,
    *,
    statistic: BootstrapStatistic = "mean",
    n_resamples: int = 10_000,
    poisson: bool = False,
    seed: int | None = None,
    alpha: float = 0.05,
) -> TestResult:
    """Bootstrap of ``statistic(treatment) − statistic(control)``, arms resampled
    independently. Percentile CI; ``p = 2·min(P(Δ* ≤ 0), P(Δ* ≥ 0))``; ``se`` is the std of
    the replicates; ``extra`` holds ``prob_treatment_better = P(Δ* > 0)``.

    ``statistic='ratio'`` takes ``(n, 2)`` arrays of per-unit ``[numerator, denominator]``.
    ``poisson=True`` uses Poisson(1) weights instead of multinomial resampling.
    """
    check_alpha(alpha)
    if statistic not in ("mean", "median", "ratio"):
        raise InvalidParameterError(f"statistic must be mean, median or ratio; got {statistic!r}.")
    if n_resamples < 100:
        raise InvalidParameterError(f"n_resamples must be at least 100; got {n_resamples}.")
    c = _as_values(control_values, statistic, "control_values")
    t = _as_values(treatment_values, statistic, "treatment_values")
    method = "poisson_bootstrap" if poisson else "bootstrap"
    if c.shape[0] < 2 or t.shape[0] < 2:
        return _nan_result(method, c.reshape(-1), t.reshape(-1), "two-sided", alpha,
                           codes.INSUFFICIENT_DATA, "each arm needs at least 2 units.")
    rng = np.random.default_rng(seed)
    diffs = _resample(t, statistic, n_resamples, poisson, rng) - _resample(
        c, statistic, n_resamples, poisson, rng
    )
    p_le, p_ge = float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0))
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    m_c, m_t = _point(c, statistic), _point(t, statistic)
    return TestResult(
        method, m_t - m_c, float(diffs.std(ddof=1)), float(low), float(high),
        min(1.0, 2 * min(p_le, p_ge)), math.nan, math.nan, False, "two-sided", alpha,
        m_c, m_t, int(c.shape[0]), int(t.shape[0]),
        extra=(("prob_treatment_better", float(np.mean(diffs > 0))),),
    )


def _bucket_index(user_ids: Any, n_buckets: int, salt: str) -> np.ndarray:
    """md5-based bucket of each id; use a salt different from the assignment salt."""
    return np.fromiter(
        (int(hashlib.md5(f"{salt}:{uid}".encode()).hexdigest()[:8], 16) % n_buckets
         for uid in user_ids),
        dtype=np.int64,
    )


def bucket_transform(
    values: Any,
    user_ids: Any,
    n_buckets: int,
    *,
    salt: str,
    denominators: Any = None,
) -> np.ndarray:
    """Per-bucket metric for one arm: users hashed into ``n_buckets`` buckets by
    ``md5(f"{salt}:{user_id}")``; each bucket's value is its mean (or ``ΣX/ΣY`` when
    ``denominators`` is given). Empty buckets are dropped. Run it per arm with the same salt,
    then compare the bucket values with :func:`ttest` or :func:`mann_whitney` — the
    effective sample size becomes the number of buckets.
    """
    if n_buckets < 2:
        raise InvalidParameterError(f"n_buckets must be at least 2; got {n_buckets}.")
    x = as_float_array(values, "values")
    ids = list(user_ids)
    if len(ids) != x.size:
        raise InvalidParameterError(
            f"values ({x.size}) and user_ids ({len(ids)}) differ in length."
        )
    y = np.ones_like(x) if denominators is None else as_float_array(denominators, "denominators")
    bucket = _bucket_index(ids, n_buckets, salt)
    num = np.bincount(bucket, weights=x, minlength=n_buckets)
    den = np.bincount(bucket, weights=y, minlength=n_buckets)
    keep = den != 0
    return num[keep] / den[keep]
