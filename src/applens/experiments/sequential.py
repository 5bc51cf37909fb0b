"""Always-valid (sequential) test for teams that look at results every day.

Asymptotic confidence sequences (Waudby-Smith et al., arXiv 2103.06476) as in GrowthBook:
with ``N = n_c + n_t`` and tuning ``n_star`` (the total sample at which you expect to
decide), ``ρ = sqrt((−2 ln α + ln(−2 ln α + 1)) / n_star)`` and the half-width is
``sqrt(se²N) · sqrt(2(Nρ²+1)/(Nρ)² · ln(sqrt(Nρ²+1)/α))``. The p-value is ``min(1, 1/E)``
with the mixture e-value ``E = exp(ρ²S/(2(Nρ²+1)))/sqrt(Nρ²+1)``, ``S = Δ²N/se²``; it is
consistent with the interval (p < α exactly when the interval excludes 0).
"""

from __future__ import annotations

import math

from applens.errors import InvalidParameterError
from applens.experiments._compare import Arm, check_alpha, compare
from applens.experiments.results import TestResult
from applens.experiments.stats import SampleStats

__all__ = ["DEFAULT_N_STAR", "sequential_halfwidth", "sequential_test"]

DEFAULT_N_STAR = 5000


def _rho(alpha: float, n_star: float) -> float:
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_star)


def sequential_halfwidth(se: float, n_total: int, *, alpha: float, n_star: float) -> float:
    """Half-width of the two-sided asymptotic confidence sequence at ``n_total`` units."""
    rho = _rho(alpha, n_star)
    v = n_total * rho**2 + 1
    return math.sqrt(se**2 * n_total) * math.sqrt(
        2 * v / (n_total * rho) ** 2 * math.log(math.sqrt(v) / alpha)
    )


def sequential_test(
    control: SampleStats,
    treatment: SampleStats,
    *,
    relative: bool = False,
    alpha: float = 0.05,
    n_star: float = DEFAULT_N_STAR,
) -> TestResult:
    """Two-sided always-valid test: its p-value and interval stay valid however often
    you look, unlike the fixed-horizon t-test (whose false-positive rate grows with peeks).
    """
    check_alpha(alpha)
    if not n_star > 0:
        raise InvalidParameterError(f"n_star must be > 0; got {n_star}.")
    comp = compare(
        Arm(control.mean, control.variance, control.n),
        Arm(treatment.mean, treatment.variance, treatment.n),
        relative=relative,
    )
    n_total = control.n + treatment.n
    nan = math.nan
    low = high = p_value = statistic = nan
    if comp.se > 0:
        half = sequential_halfwidth(comp.se, n_total, alpha=alpha, n_star=n_star)
        low, high = comp.estimate - half, comp.estimate + half
        rho = _rho(alpha, n_star)
        v = n_total * rho**2 + 1
        statistic = comp.estimate / comp.se
        log_e = rho**2 * statistic**2 * n_total / (2 * v) - 0.5 * math.log(v)
        p_value = 1.0 if log_e <= 0 else math.exp(-log_e)
    return TestResult(
        "sequential_acs", comp.estimate, comp.se, low, high, p_value, statistic, nan,
        relative, "two-sided", alpha, control.mean, treatment.mean, control.n, treatment.n,
        comp.status, comp.warnings, extra=(("n_star", float(n_star)),),
    )
