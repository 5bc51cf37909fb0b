"""Mann–Whitney, bootstrap, buckets, CUPED, SRM, corrections against references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from applens.errors import InvalidParameterError
from applens.experiments import (
    adjust_pvalues,
    bootstrap,
    bucket_transform,
    codes,
    cuped,
    mann_whitney,
    srm,
)

RTOL = 1e-9


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("method", ["auto", "asymptotic"])
def test_mann_whitney_matches_scipy(alternative, method):
    rng = np.random.default_rng(1)
    c, t = rng.exponential(1.0, 300), rng.exponential(1.2, 250)
    r = mann_whitney(c, t, alternative=alternative, method=method)
    ref = stats.mannwhitneyu(t, c, alternative=alternative, method=method, use_continuity=True)
    assert r.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert r.p_value == pytest.approx(ref.pvalue, rel=RTOL)
    # Probability of superiority, by brute force over all pairs.
    diff = t[:, None] - c[None, :]
    assert r.estimate == pytest.approx(np.mean(diff > 0) + 0.5 * np.mean(diff == 0), rel=RTOL)


def test_mann_whitney_exact_small_and_degenerate():
    r = mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.5], method="exact")
    assert r.p_value == pytest.approx(
        stats.mannwhitneyu([4, 5, 6.5], [1, 2, 3], method="exact").pvalue
    )
    assert r.p_value == pytest.approx(0.1, rel=RTOL)  # 2 / C(6,3)
    assert mann_whitney([1.0, 1.0], [1.0, 1.0]).status == codes.ZERO_VARIANCE
    assert mann_whitney([], [1.0]).status == codes.INSUFFICIENT_DATA


def test_bootstrap_mean_agrees_with_normal_theory():
    rng = np.random.default_rng(2)
    c, t = rng.normal(0, 1, 2000), rng.normal(0.1, 1, 2000)
    r = bootstrap(c, t, n_resamples=4000, seed=0)
    se = math.sqrt(c.var(ddof=1) / c.size + t.var(ddof=1) / t.size)
    assert r.estimate == pytest.approx(t.mean() - c.mean(), rel=RTOL)
    assert r.se == pytest.approx(se, rel=0.05)
    z = r.estimate / se
    assert r.get("prob_treatment_better") == pytest.approx(stats.norm.cdf(z), abs=0.02)
    assert r.ci_low < r.estimate < r.ci_high
    # Reproducible with a seed.
    assert bootstrap(c, t, n_resamples=500, seed=5).ci_low == bootstrap(
        c, t, n_resamples=500, seed=5).ci_low


def test_poisson_bootstrap_ratio():
    rng = np.random.default_rng(4)
    yc, yt = rng.poisson(10, 1500) + 1, rng.poisson(10, 1500) + 1
    xc, xt = rng.binomial(yc, 0.2), rng.binomial(yt, 0.22)
    r = bootstrap(np.c_[xc, yc], np.c_[xt, yt], statistic="ratio", poisson=True,
                  n_resamples=2000, seed=1)
    grad_c = np.array([1 / yc.mean(), -xc.mean() / yc.mean() ** 2])
    grad_t = np.array([1 / yt.mean(), -xt.mean() / yt.mean() ** 2])
    se = math.sqrt(grad_c @ np.cov(xc, yc) @ grad_c / 1500
                   + grad_t @ np.cov(xt, yt) @ grad_t / 1500)
    assert r.method == "poisson_bootstrap"
    assert r.estimate == pytest.approx(xt.sum() / yt.sum() - xc.sum() / yc.sum(), rel=RTOL)
    assert r.se == pytest.approx(se, rel=0.08)
    with pytest.raises(InvalidParameterError):
        bootstrap(xc, xt, statistic="ratio")


def test_bucket_transform_sums_and_ratios():
    ids = [f"u{i}" for i in range(1000)]
    x = np.arange(1000, dtype=float)
    y = np.full(1000, 2.0)
    means = bucket_transform(x, ids, 50, salt="b")
    ratios = bucket_transform(x, ids, 50, salt="b", denominators=y)
    assert means.size == 50
    np.testing.assert_allclose(ratios, means / 2, rtol=RTOL)
    # Same user -> same bucket regardless of order; other salt -> other grouping.
    perm = np.random.default_rng(0).permutation(1000)
    np.testing.assert_allclose(
        np.sort(bucket_transform(x[perm], [ids[i] for i in perm], 50, salt="b")), np.sort(means)
    )
    assert not np.allclose(np.sort(bucket_transform(x, ids, 50, salt="c")), np.sort(means))


def test_cuped_equals_welch_on_adjusted_values():
    rng = np.random.default_rng(5)
    pre_c, pre_t = rng.normal(5, 2, 500), rng.normal(5, 2, 600)
    yc = 1 + 0.8 * pre_c + rng.normal(0, 1, 500)
    yt = 1.2 + 0.8 * pre_t + rng.normal(0, 1, 600)
    r = cuped(yc, yt, pre_c, pre_t)
    y, x = np.r_[yc, yt], np.r_[pre_c, pre_t]
    theta = np.cov(y, x)[0, 1] / np.var(x, ddof=1)
    ref = stats.ttest_ind(yt - theta * pre_t, yc - theta * pre_c, equal_var=False)
    ci = ref.confidence_interval()
    assert r.theta == pytest.approx(theta, rel=RTOL)
    assert (r.statistic, r.p_value, r.dof) == pytest.approx(
        (ref.statistic, ref.pvalue, ref.df), rel=RTOL
    )
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), rel=RTOL)
    assert r.control_mean == pytest.approx(yc.mean(), rel=RTOL)  # unadjusted means reported


def test_cuped_relative_matches_gradient_form():
    rng = np.random.default_rng(6)
    pre_c, pre_t = rng.normal(5, 2, 400), rng.normal(5, 2, 400)
    yc, yt = 2 + pre_c + rng.normal(0, 1, 400), 2.3 + pre_t + rng.normal(0, 1, 400)
    r = cuped(yc, yt, pre_c, pre_t, relative=True)
    th, mc, mt = r.theta, yc.mean(), yt.mean()
    # Δ = (Ȳt − θX̄t − Ȳc + θX̄c)/Ȳc; gradients as gbstats (cross term θ(X̄c−X̄t) dropped).
    g_t, g_c = np.array([1 / mc, -th / mc]), np.array([-mt / mc**2, th / mc])
    var = g_t @ np.cov(yt, pre_t) @ g_t / 400 + g_c @ np.cov(yc, pre_c) @ g_c / 400
    est = ((mt - th * pre_t.mean()) - (mc - th * pre_c.mean())) / mc
    assert r.estimate == pytest.approx(est, rel=RTOL)
    assert r.se == pytest.approx(math.sqrt(var), rel=RTOL)


def test_cuped_constant_covariate_falls_back():
    rng = np.random.default_rng(8)
    yc, yt = rng.normal(0, 1, 50), rng.normal(0, 1, 50)
    r = cuped(yc, yt, np.ones(50), np.ones(50))
    ref = stats.ttest_ind(yt, yc, equal_var=False)
    assert r.theta == 0.0 and r.status == codes.OK
    assert [w.code for w in r.warnings] == [codes.CONSTANT_COVARIATE]
    assert r.p_value == pytest.approx(ref.pvalue, rel=RTOL)


def test_srm_matches_scipy_and_handles_zero_weights():
    r = srm([5050, 4950])
    ref = stats.chisquare([5050, 4950])
    assert r.chi2 == pytest.approx(ref.statistic, rel=RTOL)
    assert r.p_value == pytest.approx(ref.pvalue, rel=RTOL)
    assert r.ok
    unequal = srm([9400, 600], [0.95, 0.05])
    ref = stats.chisquare([9400, 600], [9500, 500])
    assert unequal.p_value == pytest.approx(ref.pvalue, rel=RTOL) and not unequal.ok
    # Zero-weight arm dropped from total and dof (documented vector 2.0079e-05).
    assert srm([1000, 1200, 900], [0.5, 0.5, 0]).p_value == pytest.approx(2.0079e-05, rel=1e-4)
    # An arm with weight but no users is kept: a glaring SRM.
    assert srm([1000, 0], [0.5, 0.5]).p_value < 1e-100
    assert math.isnan(srm([0, 0]).p_value)
    with pytest.raises(InvalidParameterError):
        srm([1, 2], [1.0])


@pytest.mark.parametrize(("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh"),
                                              ("bonferroni", "bonferroni")])
def test_adjust_pvalues_matches_statsmodels(ours, theirs):
    p = np.random.default_rng(9).uniform(0, 0.2, 25)
    p[[3, 7]] = p[[5, 5]]  # ties
    expected = multipletests(p, method=theirs)[1]
    np.testing.assert_allclose(adjust_pvalues(p, ours), expected, rtol=RTOL)


def test_adjust_pvalues_keeps_nan():
    out = adjust_pvalues([0.01, math.nan, 0.04], "holm")
    assert out[0] == pytest.approx(0.02) and math.isnan(out[1]) and out[2] == pytest.approx(0.04)
    with pytest.raises(InvalidParameterError):
        adjust_pvalues([0.1], "sidak")  # type: ignore[arg-type]
