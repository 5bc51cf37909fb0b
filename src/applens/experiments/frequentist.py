"""Welch/Student t-tests on means and proportions, and delta-method tests on ratio metrics."""

from __future__ import annotations

from applens.experiments._compare import Arm, check_alpha, check_alternative, compare, tails
from applens.experiments.results import Alternative, TestResult
from applens.experiments.stats import RatioStats, SampleStats

__all__ = ["ratio_test", "ttest"]


def _result(
    method: str,
    control: SampleStats | RatioStats,
    treatment: SampleStats | RatioStats,
    *,
    relative: bool,
    alternative: Alternative,
    alpha: float,
    equal_var: bool = False,
) -> TestResult:
    check_alternative(alternative)
    check_alpha(alpha)
    arm_c = Arm(control.mean, control.variance, control.n)
    arm_t = Arm(treatment.mean, treatment.variance, treatment.n)
    comp = compare(arm_c, arm_t, relative=relative, equal_var=equal_var)
    statistic, p_value, low, high = tails(comp.estimate, comp.se, comp.dof, alternative, alpha)
    return TestResult(
        method=method,
        estimate=comp.estimate,
        se=comp.se,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        statistic=statistic,
        dof=comp.dof,
        relative=relative,
        alternative=alternative,
        alpha=alpha,
        control_mean=control.mean,
        treatment_mean=treatment.mean,
        n_control=control.n,
        n_treatment=treatment.n,
        status=comp.status,
        warnings=comp.warnings,
    )


def ttest(
    control: SampleStats,
    treatment: SampleStats,
    *,
    equal_var: bool = False,
    relative: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
) -> TestResult:
    """Two-sample t-test of ``treatment − control`` (Welch by default, Student with
    ``equal_var=True``). For a proportion pass the 0/1 values' statistics.

    >>> r = ttest(SampleStats(100, 1.0, 4.0), SampleStats(100, 1.5, 4.0))
    >>> round(r.estimate, 3), round(r.p_value, 4)
    (0.5, 0.0786)
    """
    method = "student_t" if equal_var else "welch_t"
    return _result(
        method,
        control,
        treatment,
        relative=relative,
        alternative=alternative,
        alpha=alpha,
        equal_var=equal_var,
    )


def ratio_test(
    control: RatioStats,
    treatment: RatioStats,
    *,
    relative: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
) -> TestResult:
    """Delta-method test of ``R_t − R_c`` for a ratio metric ``R = ΣX/ΣY`` per arm
    (CTR = clicks/views with users as the randomisation unit). Welch dof from the per-unit
    delta variances, as gbstats does."""
    return _result(
        "delta_method", control, treatment, relative=relative, alternative=alternative,
        alpha=alpha,
    )
