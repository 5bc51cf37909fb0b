"""CUPED for ratio metrics (delta method with the pre-period ratio as covariate).

Checked against an independent computation by per-unit influence functions (the sample
variance of ψ_i = (m_i − R·d_i)/d̄ − θ(m_pre,i − R_pre·d_pre,i)/d̄_pre equals ∇ᵀΛ∇ exactly),
against the plain delta method when θ = 0, and by simulation (variance reduction,
unbiasedness, 95 % CI coverage).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from applens.experiments import (
    RatioCupedStats,
    RatioStats,
    ratio_cuped,
    ratio_test,
)
from applens.experiments.analyze import analyze_frame
from applens.experiments.ratio_cuped import ratio_cuped_theta


def simulate(rng, n, *, effect=0.0):
    """Users with a persistent click propensity p ~ Beta(4, 36) (mean 0.1): pre- and
    post-period CTRs share it, so they correlate (ρ ≈ 0.7 with ~100 views a period).
    Treatment adds ``effect`` to p (never above 1 in practice), so E[R_t − R_c] = effect."""
    propensity = rng.beta(4, 36, n)
    views_pre, views = rng.poisson(100, n) + 1, rng.poisson(100, n) + 1
    clicks_pre = rng.binomial(views_pre, propensity)
    clicks = rng.binomial(views, np.minimum(propensity + effect, 1.0))
    return (clicks.astype(float), views.astype(float),
            clicks_pre.astype(float), views_pre.astype(float))


def influence(data, theta):
    m, d, mp, dp = data
    r, rp = m.sum() / d.sum(), mp.sum() / dp.sum()
    return (m - r * d) / d.mean() - theta * (mp - rp * dp) / dp.mean(), r - theta * rp


def test_matches_influence_function_computation():
    rng = np.random.default_rng(1)
    c, t = simulate(rng, 400), simulate(rng, 300, effect=0.01)
    sc, st = RatioCupedStats.from_values(*c), RatioCupedStats.from_values(*t)
    result = ratio_cuped(sc, st)
    # θ by hand: Σ Cov(ψ_R, ψ_Rpre)/n over Σ Var(ψ_Rpre)/n.
    num = den = 0.0
    for data in (c, t):
        post, _ = influence(data, 0.0)
        pre = influence(data, 1.0)[0] - post  # = −ψ_Rpre
        num += -np.cov(post, pre)[0, 1] / post.size
        den += pre.var(ddof=1) / post.size
    theta = num / den
    assert result.theta == pytest.approx(theta, rel=1e-10)
    (psi_c, a_c), (psi_t, a_t) = influence(c, theta), influence(t, theta)
    var_c, var_t = psi_c.var(ddof=1) / psi_c.size, psi_t.var(ddof=1) / psi_t.size
    assert result.estimate == pytest.approx(a_t - a_c, rel=1e-12)
    assert result.se == pytest.approx(math.sqrt(var_c + var_t), rel=1e-10)
    dof = (var_c + var_t) ** 2 / (var_c**2 / (psi_c.size - 1) + var_t**2 / (psi_t.size - 1))
    assert result.dof == pytest.approx(dof, rel=1e-10)
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(result.statistic), dof), rel=1e-10)
    lo, hi = stats.t.interval(0.95, dof, loc=a_t - a_c, scale=result.se)
    assert (result.ci_low, result.ci_high) == (pytest.approx(lo), pytest.approx(hi))
    assert (result.control_mean, result.treatment_mean) == (
        pytest.approx(c[0].sum() / c[1].sum()), pytest.approx(t[0].sum() / t[1].sum()))


def test_relative_lift_matches_influence_function_computation():
    rng = np.random.default_rng(2)
    c, t = simulate(rng, 500), simulate(rng, 500, effect=0.02)
    sc, st = RatioCupedStats.from_values(*c), RatioCupedStats.from_values(*t)
    theta = ratio_cuped_theta(sc, st)
    result = ratio_cuped(sc, st, relative=True)
    (psi_c, a_c), (psi_t, a_t) = influence(c, theta), influence(t, theta)
    r_c = c[0].sum() / c[1].sum()
    psi_rc = (c[0] - r_c * c[1]) / c[1].mean()  # influence of the unadjusted control ratio
    # f = (A_t − A_c)/R_c: ψ_f,control = −ψ_Ac/R_c − (A_t − A_c)/R_c²·ψ_Rc.
    psi_fc = -psi_c / r_c - (a_t - a_c) / r_c**2 * psi_rc
    variance = psi_fc.var(ddof=1) / psi_fc.size + (psi_t / r_c).var(ddof=1) / psi_t.size
    assert result.estimate == pytest.approx((a_t - a_c) / r_c, rel=1e-12)
    assert result.se == pytest.approx(math.sqrt(variance), rel=1e-10)


@pytest.mark.parametrize("relative", [False, True])
def test_constant_pre_period_equals_plain_delta_method(relative):
    rng = np.random.default_rng(3)
    c, t = simulate(rng, 300), simulate(rng, 350, effect=0.01)
    ones = [np.ones(300), np.ones(350)]
    sc = RatioCupedStats.from_values(c[0], c[1], ones[0], ones[0])
    st = RatioCupedStats.from_values(t[0], t[1], ones[1], ones[1])
    cuped = ratio_cuped(sc, st, relative=relative)
    plain = ratio_test(RatioStats.from_values(c[0], c[1]), RatioStats.from_values(t[0], t[1]),
                       relative=relative)
    assert cuped.theta == 0.0 and cuped.warnings[0].code == "constant_covariate"
    for field in ("estimate", "se", "dof", "p_value", "ci_low", "ci_high", "statistic"):
        assert getattr(cuped, field) == pytest.approx(getattr(plain, field), rel=1e-12), field


def test_uninformative_covariate_changes_almost_nothing():
    rng = np.random.default_rng(4)
    c, t = simulate(rng, 5000), simulate(rng, 5000, effect=0.005)
    noise = [simulate(rng, 5000)[2:] for _ in range(2)]  # pre-period of *other* users
    cuped = ratio_cuped(RatioCupedStats.from_values(*c[:2], *noise[0]),
                        RatioCupedStats.from_values(*t[:2], *noise[1]))
    plain = ratio_test(RatioStats.from_values(*c[:2]), RatioStats.from_values(*t[:2]))
    assert abs(cuped.theta) < 0.1
    assert cuped.se == pytest.approx(plain.se, rel=0.01)
    assert cuped.se <= plain.se * 1.0001  # θ minimises the variance: never (much) worse
    assert abs(cuped.estimate - plain.estimate) < 0.2 * plain.se


def test_variance_reduction_on_correlated_data():
    rng = np.random.default_rng(5)
    c, t = simulate(rng, 4000), simulate(rng, 4000, effect=0.005)
    cuped = ratio_cuped(RatioCupedStats.from_values(*c), RatioCupedStats.from_values(*t))
    plain = ratio_test(RatioStats.from_values(*c[:2]), RatioStats.from_values(*t[:2]))
    reduction = 1 - cuped.se**2 / plain.se**2
    assert 0.3 < reduction < 0.9, reduction  # ≈ ρ² between the per-user ratio influences
    assert cuped.p_value < plain.p_value


def test_from_sums_equals_from_values():
    rng = np.random.default_rng(6)
    data = np.vstack(simulate(rng, 50))
    a = RatioCupedStats.from_values(*data)
    b = RatioCupedStats.from_sums(50, data.sum(axis=1), data @ data.T)
    np.testing.assert_allclose(a.means, b.means)
    np.testing.assert_allclose(a.cov, np.cov(data, ddof=1), rtol=1e-9)


def test_degenerate_input_gives_a_status_not_an_exception():
    one = RatioCupedStats.from_values([1.0], [2.0], [1.0], [2.0])
    two = RatioCupedStats.from_values([1.0, 2.0], [2.0, 3.0], [1.0, 1.0], [2.0, 5.0])
    assert ratio_cuped(one, two).status == "insufficient_data"
    zero = RatioCupedStats.from_values([0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [2.0, 5.0])
    result = ratio_cuped(zero, two)
    assert result.status == "zero_denominator" and math.isnan(result.p_value)


def test_analyze_frame_uses_ratio_cuped_for_a_ratio_pre_period():
    import pandas as pd

    rng = np.random.default_rng(7)
    c, t = simulate(rng, 800), simulate(rng, 800, effect=0.01)
    frame = pd.DataFrame(np.hstack([np.vstack(c), np.vstack(t)]).T,
                         columns=["clicks", "views", "clicks_pre", "views_pre"])
    frame["group"] = ["a"] * 800 + ["b"] * 800
    readout = analyze_frame(frame, group_col="group", metrics=["ctr=clicks/views"],
                            pre={"ctr": "clicks_pre/views_pre"}, robust=False)
    row = readout.metric("ctr")
    direct = ratio_cuped(RatioCupedStats.from_values(*c), RatioCupedStats.from_values(*t))
    assert row.p_value == pytest.approx(direct.p_value, rel=1e-12)
    assert row.cuped_theta == pytest.approx(direct.theta)
    assert row.linearized_p is not None


@pytest.mark.slow
def test_simulation_unbiased_with_95_percent_coverage():
    """4,000 experiments of 2 × 1,000 users with a true CTR lift of +0.01."""
    rng = np.random.default_rng(8)
    runs, effect, hits, estimates, reductions = 4000, 0.01, 0, [], []
    for _ in range(runs):
        c, t = simulate(rng, 1000), simulate(rng, 1000, effect=effect)
        result = ratio_cuped(RatioCupedStats.from_values(*c), RatioCupedStats.from_values(*t))
        hits += result.ci_low <= effect <= result.ci_high
        estimates.append(result.estimate)
        if len(reductions) < 200:
            plain = ratio_test(RatioStats.from_values(*c[:2]), RatioStats.from_values(*t[:2]))
            reductions.append(1 - result.se**2 / plain.se**2)
    coverage = hits / runs
    band = 1.96 * math.sqrt(0.95 * 0.05 / runs)
    assert abs(coverage - 0.95) < max(band, 0.01), coverage
    estimates = np.array(estimates)
    assert abs(estimates.mean() - effect) < 4 * estimates.std(ddof=1) / math.sqrt(runs)
    assert np.mean(reductions) > 0.3
