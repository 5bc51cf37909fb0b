"""Power/MDE vs statsmodels, the sequential test's formulas, the Bayesian readout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import power_proportions_2indep

from applens.errors import InvalidParameterError
from applens.experiments import SampleStats, bayesian, mde, power, sample_size, sequential_test
from applens.experiments.sequential import sequential_halfwidth

RTOL = 1e-9


@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.5])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_power_mean_matches_statsmodels(ratio, alternative):
    ours = power(0.5, n_control=200, sd=3.0, ratio=ratio, alternative=alternative)
    sm_alt = "two-sided" if alternative == "two-sided" else "larger"
    theirs = NormalIndPower().power(0.5 / 3.0, nobs1=200, alpha=0.05, ratio=ratio,
                                    alternative=sm_alt)
    assert ours == pytest.approx(theirs, rel=RTOL)


@pytest.mark.parametrize("ratio", [1.0, 3.0])
def test_power_proportion_matches_statsmodels(ratio):
    ours = power(0.01, n_control=20_000, baseline=0.2, metric="proportion", ratio=ratio)
    # statsmodels' sample 1 is the treatment; its ratio is n2/n1 = control/treatment.
    theirs = power_proportions_2indep(0.01, 0.2, ratio * 20_000, ratio=1 / ratio).power
    assert ours == pytest.approx(theirs, rel=RTOL)


def test_mde_and_sample_size_invert_power():
    effect = mde(n_control=5000, sd=2.0)
    assert power(effect, n_control=5000, sd=2.0) == pytest.approx(0.8, rel=1e-9)
    # Closed form (ignoring the far tail): (z_.975 + z_.8)·σ·sqrt(2/n).
    closed = (stats.norm.isf(0.025) + stats.norm.isf(0.2)) * 2.0 * math.sqrt(2 / 5000)
    assert effect == pytest.approx(closed, rel=1e-5)  # far tail moves it ~1e-6
    n = sample_size(0.1, sd=2.0)
    assert power(0.1, n_control=n, sd=2.0) >= 0.8 > power(0.1, n_control=n - 1, sd=2.0)
    theirs = NormalIndPower().solve_power(0.1 / 2.0, alpha=0.05, power=0.8, ratio=1.0)
    assert n == math.ceil(theirs)
    rel = mde(n_control=30_000, baseline=0.2, metric="proportion", relative=True)
    assert power(rel * 0.2, n_control=30_000, baseline=0.2,
                 metric="proportion") == pytest.approx(0.8)
    assert math.isnan(mde(n_control=3, baseline=0.5, metric="proportion", power_target=0.99))
    with pytest.raises(InvalidParameterError):
        power(0.1, n_control=100, metric="mean")  # no sd


def test_sequential_matches_formula_and_is_wider_than_fixed():
    c, t = SampleStats(4000, 10.0, 16.0), SampleStats(4000, 10.4, 16.0)
    r = sequential_test(c, t, n_star=5000)
    se = math.sqrt(16 / 4000 * 2)
    n, alpha = 8000, 0.05
    rho = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / 5000)
    half = math.sqrt(se**2 * n) * math.sqrt(2 * (n * rho**2 + 1) / (n * rho) ** 2
                                            * math.log(math.sqrt(n * rho**2 + 1) / alpha))
    s = 0.4**2 * n / se**2
    e_value = math.exp(rho**2 * s / (2 * (n * rho**2 + 1))) / math.sqrt(n * rho**2 + 1)
    assert r.ci_high - r.estimate == pytest.approx(half, rel=RTOL)
    assert r.p_value == pytest.approx(min(1.0, 1 / e_value), rel=RTOL)
    assert sequential_halfwidth(se, n, alpha=alpha, n_star=5000) == pytest.approx(half, rel=RTOL)
    fixed = stats.norm.isf(0.025) * se
    assert half > fixed
    # p < alpha exactly when the interval excludes 0.
    for shift in np.linspace(0.05, 0.6, 23):
        rr = sequential_test(c, SampleStats(4000, 10 + shift, 16.0))
        assert (rr.p_value < 0.05) == (rr.ci_low > 0)


def test_bayesian_flat_prior_and_losses():
    c, t = SampleStats(1000, 0.20, 0.16), SampleStats(1000, 0.22, 0.1716)
    r = bayesian(c, t, relative=False)
    se = math.sqrt(0.16 / 1000 + 0.1716 / 1000)
    assert r.estimate == pytest.approx(0.02, rel=RTOL) and r.se == pytest.approx(se, rel=RTOL)
    assert r.chance_to_win == pytest.approx(stats.norm.cdf(0.02 / se), rel=RTOL)
    dist = stats.norm(0.02, se)
    loss_t = integrate.quad(lambda x: -x * dist.pdf(x), -1, 0, epsabs=1e-14)[0]
    loss_c = integrate.quad(lambda x: x * dist.pdf(x), 0, 1, epsabs=1e-14)[0]
    assert r.expected_loss_treatment == pytest.approx(loss_t, rel=1e-7)
    assert r.expected_loss_control == pytest.approx(loss_c, rel=1e-7)


def test_bayesian_prior_shrinks():
    c, t = SampleStats(100, 1.0, 1.0), SampleStats(100, 1.3, 1.0)
    flat, shrunk = bayesian(c, t), bayesian(c, t, prior_sd=0.05)
    assert 0 < shrunk.estimate < flat.estimate
    se2, tau2 = flat.se**2, 0.05**2
    assert shrunk.estimate == pytest.approx(flat.estimate * tau2 / (tau2 + se2), rel=RTOL)
    assert bayesian(SampleStats(1, 1.0, math.nan), t).status == "insufficient_data"
