"""Simulation studies: false-positive rates, CI coverage, CUPED, sequential peeking.

Each study draws all runs at once with numpy and calls the public functions per run on
sufficient statistics, so 10,000 runs take seconds. Bands: with K runs at rate q the
binomial standard error is sqrt(q(1-q)/K); we accept ±3.29 se (99.9 %), so a correct
method fails about once in a thousand test runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from applens.experiments import (
    RatioStats,
    SampleStats,
    cuped,
    mann_whitney,
    ratio_test,
    sequential_test,
    ttest,
)

pytestmark = pytest.mark.slow
K = 10_000
Z = 3.29


def _band(rate: float, runs: int = K) -> float:
    return Z * math.sqrt(rate * (1 - rate) / runs)


def _stats(matrix: np.ndarray) -> list[SampleStats]:
    n = matrix.shape[1]
    means, variances = matrix.mean(axis=1), matrix.var(axis=1, ddof=1)
    return [SampleStats(n, float(m), float(v)) for m, v in zip(means, variances, strict=True)]


def test_welch_aa_false_positive_rate_on_skewed_data():
    rng = np.random.default_rng(11)
    c, t = _stats(rng.exponential(2.0, (K, 300))), _stats(rng.exponential(2.0, (K, 250)))
    p = np.array([ttest(a, b).p_value for a, b in zip(c, t, strict=True)])
    assert abs(np.mean(p < 0.05) - 0.05) < _band(0.05)
    assert abs(np.mean(p < 0.01) - 0.01) < _band(0.01)


def test_mann_whitney_aa_false_positive_rate():
    rng = np.random.default_rng(12)
    runs = 4000
    c, t = rng.lognormal(0, 1, (runs, 60)), rng.lognormal(0, 1, (runs, 60))
    p = np.array([mann_whitney(a, b).p_value for a, b in zip(c, t, strict=True)])
    assert abs(np.mean(p < 0.05) - 0.05) < _band(0.05, runs)


@pytest.mark.parametrize("relative", [False, True])
def test_ttest_ci_coverage(relative):
    rng = np.random.default_rng(13 + relative)
    c, t = _stats(rng.normal(10, 3, (K, 200))), _stats(rng.normal(10.5, 4, (K, 150)))
    truth = 0.05 if relative else 0.5
    hits = [r.ci_low <= truth <= r.ci_high
            for r in (ttest(a, b, relative=relative) for a, b in zip(c, t, strict=True))]
    assert abs(np.mean(hits) - 0.95) < 0.01


def test_ratio_delta_method_ci_coverage():
    rng = np.random.default_rng(15)
    n = 400

    def arm(p_mean: float) -> list[RatioStats]:
        views = rng.poisson(4, (K, n)) + 1
        p_user = rng.beta(2, 2 / p_mean - 2, (K, n))  # heterogeneous users, E[p] = p_mean
        clicks = rng.binomial(views, p_user).astype(float)
        views = views.astype(float)
        return [
            RatioStats.from_sums(n, x.sum(), (x * x).sum(), y.sum(), (y * y).sum(), (x * y).sum())
            for x, y in zip(clicks, views, strict=True)
        ]

    results = [ratio_test(a, b) for a, b in zip(arm(0.10), arm(0.12), strict=True)]
    hits = [r.ci_low <= 0.02 <= r.ci_high for r in results]
    assert abs(np.mean(hits) - 0.95) < 0.01


def _cuped_runs(rho: float, runs: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    n = 200
    pre = rng.normal(0, 1, (runs, 2, n))
    post = rho * pre + math.sqrt(1 - rho**2) * rng.normal(0, 1, (runs, 2, n))
    post[:, 1] += 0.1
    adjusted, plain = [], []
    for x, y in zip(pre, post, strict=True):
        r = cuped(y[0], y[1], x[0], x[1])
        adjusted.append((r.estimate, r.ci_low <= 0.1 <= r.ci_high, r.se))
        plain.append(ttest(SampleStats.from_values(y[0]), SampleStats.from_values(y[1])).estimate)
    a = np.array(adjusted)
    return a[:, 0], a[:, 1], a[:, 2], np.array(plain)


def test_cuped_reduces_variance_and_keeps_coverage():
    rng = np.random.default_rng(16)
    est, hits, _, plain = _cuped_runs(0.7, 4000, rng)
    ratio = est.var() / plain.var()
    assert ratio == pytest.approx(1 - 0.7**2, abs=0.05)  # theory: 1 − ρ²
    assert abs(np.mean(hits) - 0.95) < _band(0.05, 4000)
    assert abs(est.mean() - 0.1) < 4 * est.std() / math.sqrt(4000)  # unbiased


def test_cuped_with_noise_covariate_changes_nothing():
    rng = np.random.default_rng(17)
    est, hits, se, plain = _cuped_runs(0.0, 3000, rng)
    assert est.var() / plain.var() == pytest.approx(1.0, abs=0.03)
    assert abs(np.mean(hits) - 0.95) < _band(0.05, 3000)


def test_sequential_is_valid_under_daily_peeking():
    rng = np.random.default_rng(18)
    runs, days, per_day = 2000, 20, 100
    c = rng.normal(0, 1, (runs, days, per_day))
    t = rng.normal(0, 1, (runs, days, per_day))

    def cumulative(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = per_day * np.arange(1, days + 1)
        s, ss = np.cumsum(x.sum(axis=2), axis=1), np.cumsum((x**2).sum(axis=2), axis=1)
        return n, s, ss

    n, sc, ssc = cumulative(c)
    _, st, sst = cumulative(t)
    ever_seq = ever_fixed = 0
    for run in range(runs):
        seq = fixed = False
        for day in range(days):
            a = SampleStats.from_sums(n[day], sc[run, day], ssc[run, day])
            b = SampleStats.from_sums(n[day], st[run, day], sst[run, day])
            seq |= sequential_test(a, b, n_star=2 * n[-1]).p_value < 0.05
            fixed |= ttest(a, b).p_value < 0.05
        ever_seq += seq
        ever_fixed += fixed
    assert ever_seq / runs <= 0.05 + _band(0.05, runs)
    assert ever_fixed / runs > 0.15  # peeking at a fixed-horizon test inflates FPR
