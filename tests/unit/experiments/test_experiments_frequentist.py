"""t-tests, ratio tests and sufficient statistics against SciPy/statsmodels (to 1e-9)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from applens.errors import DataError, InvalidParameterError
from applens.experiments import (
    RatioStats,
    SampleStats,
    codes,
    control_ratio,
    linearize,
    ratio_test,
    ttest,
)

RTOL = 1e-9


@pytest.fixture
def arms() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(10, 3, 400), rng.normal(10.6, 4, 300)


def test_sample_stats_from_values_and_sums_agree(arms):
    c, _ = arms
    a = SampleStats.from_values(c)
    b = SampleStats.from_sums(c.size, c.sum(), (c**2).sum())
    assert a.n == b.n == 400
    assert a.mean == pytest.approx(b.mean, rel=RTOL)
    assert a.variance == pytest.approx(np.var(c, ddof=1), rel=RTOL)
    assert b.variance == pytest.approx(np.var(c, ddof=1), rel=1e-8)


def test_sample_stats_rejects_negative_variance_and_non_numbers():
    with pytest.raises(InvalidParameterError, match="negative"):
        SampleStats.from_sums(10, 100.0, 500.0)  # Σx²=500 < (Σx)²/n=1000
    with pytest.raises(DataError, match="numeric"):
        SampleStats.from_values(["a", "b"])


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy(arms, alternative):
    c, t = arms
    r = ttest(SampleStats.from_values(c), SampleStats.from_values(t), alternative=alternative)
    ref = stats.ttest_ind(t, c, equal_var=False, alternative=alternative)
    ci = ref.confidence_interval(0.95)
    assert r.method == "welch_t" and r.status == "ok"
    assert r.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert r.p_value == pytest.approx(ref.pvalue, rel=RTOL)
    assert r.dof == pytest.approx(ref.df, rel=RTOL)
    assert r.ci_low == pytest.approx(ci.low, rel=RTOL)
    assert r.ci_high == pytest.approx(ci.high, rel=RTOL)
    assert r.estimate == pytest.approx(t.mean() - c.mean(), rel=RTOL)


def test_student_matches_statsmodels(arms):
    c, t = arms
    r = ttest(SampleStats.from_values(c), SampleStats.from_values(t), equal_var=True)
    cm = CompareMeans(DescrStatsW(t), DescrStatsW(c))
    stat, p, dof = cm.ttest_ind(usevar="pooled")
    low, high = cm.tconfint_diff(usevar="pooled")
    assert (r.statistic, r.p_value, r.dof) == pytest.approx((stat, p, dof), rel=RTOL)
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high), rel=RTOL)


def test_relative_lift_uses_delta_method(arms):
    c, t = arms
    sc, st = SampleStats.from_values(c), SampleStats.from_values(t)
    r = ttest(sc, st, relative=True)
    # Hand-computed gradient of m_t/m_c − 1: (1/m_c, −m_t/m_c²).
    var = st.variance / st.n / sc.mean**2 + sc.variance / sc.n * st.mean**2 / sc.mean**4
    assert r.estimate == pytest.approx(st.mean / sc.mean - 1, rel=RTOL)
    assert r.se == pytest.approx(math.sqrt(var), rel=RTOL)
    naive = ttest(sc, st)
    assert r.se > naive.se / sc.mean  # wider than "absolute CI / control mean"


def test_relative_lift_keeps_direction_for_negative_baseline():
    r = ttest(SampleStats(100, -2.0, 1.0), SampleStats(100, -1.0, 1.0), relative=True)
    assert r.estimate == pytest.approx(0.5)


def test_tiny_p_value_uses_survival_function():
    r = ttest(SampleStats(10_000, 0.0, 1.0), SampleStats(10_000, 0.15, 1.0))
    assert 2 * (1 - stats.t.cdf(r.statistic, r.dof)) == 0.0  # the 1 − cdf pitfall
    assert r.p_value > 0
    assert r.p_value == pytest.approx(2 * stats.t.sf(r.statistic, r.dof), rel=RTOL)


@pytest.mark.parametrize(
    ("control", "treatment", "status"),
    [
        (SampleStats(1, 1.0, math.nan), SampleStats(10, 1.0, 1.0), codes.INSUFFICIENT_DATA),
        (SampleStats(0, math.nan, math.nan), SampleStats(10, 1.0, 1.0), codes.INSUFFICIENT_DATA),
        (SampleStats(10, 1.0, 0.0), SampleStats(10, 1.0, 0.0), codes.ZERO_VARIANCE),
    ],
)
def test_degenerate_input_is_a_status_not_an_exception(control, treatment, status):
    r = ttest(control, treatment)
    assert r.status == status
    assert r.warnings and r.warnings[0].code == status
    assert math.isnan(r.p_value) and not r.significant
    assert r.to_dict()["status"] == status


def test_zero_control_mean_relative():
    r = ttest(SampleStats(10, 0.0, 1.0), SampleStats(10, 1.0, 1.0), relative=True)
    assert r.status == codes.ZERO_CONTROL_MEAN


def test_bad_parameters_raise():
    s = SampleStats(10, 0.0, 1.0)
    with pytest.raises(InvalidParameterError):
        ttest(s, s, alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        ttest(s, s, alpha=1.5)


@pytest.fixture
def ctr() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(3)
    views_c, views_t = rng.poisson(20, 800) + 1, rng.poisson(20, 900) + 1
    clicks_c, clicks_t = rng.binomial(views_c, 0.10), rng.binomial(views_t, 0.11)
    return clicks_c, views_c, clicks_t, views_t


def _delta_var(x: np.ndarray, y: np.ndarray) -> float:
    """Var(ΣX/ΣY) via the gradient of X̄/Ȳ and the sample covariance matrix."""
    grad = np.array([1 / y.mean(), -x.mean() / y.mean() ** 2])
    return float(grad @ np.cov(x, y, ddof=1) @ grad / x.size)


def test_ratio_stats_from_sums_matches_values(ctr):
    x, y, _, _ = ctr
    a = RatioStats.from_values(x, y)
    b = RatioStats.from_sums(x.size, x.sum(), (x * x).sum(), y.sum(), (y * y).sum(), (x * y).sum())
    assert a.mean == pytest.approx(x.sum() / y.sum(), rel=RTOL)
    assert b.variance == pytest.approx(a.variance, rel=1e-8)
    assert a.variance / a.n == pytest.approx(_delta_var(x, y), rel=RTOL)


def test_ratio_test_delta_method(ctr):
    xc, yc, xt, yt = ctr
    r = ratio_test(RatioStats.from_values(xc, yc), RatioStats.from_values(xt, yt))
    var_c, var_t = _delta_var(xc, yc), _delta_var(xt, yt)
    assert r.method == "delta_method"
    assert r.estimate == pytest.approx(xt.sum() / yt.sum() - xc.sum() / yc.sum(), rel=RTOL)
    assert r.se == pytest.approx(math.sqrt(var_c + var_t), rel=RTOL)
    rel = ratio_test(RatioStats.from_values(xc, yc), RatioStats.from_values(xt, yt), relative=True)
    rc, rt = xc.sum() / yc.sum(), xt.sum() / yt.sum()
    assert rel.se == pytest.approx(math.sqrt(var_t / rc**2 + rt**2 * var_c / rc**4), rel=RTOL)


def test_linearization_preserves_direction_and_zero_control_mean(ctr):
    xc, yc, xt, yt = ctr
    k = control_ratio(xc, yc)
    lc, lt = linearize(xc, yc, k), linearize(xt, yt, k)
    assert lc.mean() == pytest.approx(0.0, abs=1e-12)
    rc, rt = xc.sum() / yc.sum(), xt.sum() / yt.sum()
    assert lt.mean() == pytest.approx(yt.mean() * (rt - rc), rel=RTOL)
    lin = ttest(SampleStats.from_values(lc), SampleStats.from_values(lt))
    delta = ratio_test(RatioStats.from_values(xc, yc), RatioStats.from_values(xt, yt))
    # Asymptotically equivalent: close but not identical at n≈850.
    assert lin.statistic == pytest.approx(delta.statistic, rel=0.05)
