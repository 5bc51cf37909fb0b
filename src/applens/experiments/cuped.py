"""CUPED (Deng et al. 2013): variance reduction with a pre-period covariate.

θ = Cov(Y, X)/Var(X) from sums pooled over both arms (gbstats, PostHog); per arm the adjusted
metric has mean ``Ȳ − θX̄`` and variance ``s²Y + θ²s²X − 2θ·sXY``. The relative lift is
divided by the *unadjusted* control mean (experiment-methods.md §2.5).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from applens.errors import InvalidParameterError
from applens.experiments import codes
from applens.experiments._compare import (
    Arm,
    check_alpha,
    check_alternative,
    compare,
    tails,
    welch_dof,
)
from applens.experiments.results import Alternative, ResultWarning, TestResult
from applens.experiments.stats import SampleStats, as_float_array

__all__ = ["cuped", "cuped_theta"]


def cuped_theta(post: np.ndarray, pre: np.ndarray) -> float:
    """Pooled θ = Cov(post, pre)/Var(pre); 0 when the pre-period is constant."""
    var_x = float(np.var(pre, ddof=1))
    if not var_x > 0:
        return 0.0
    return float(np.cov(post, pre, ddof=1)[0, 1] / var_x)


def _moments(y: np.ndarray, x: np.ndarray) -> tuple[float, float, float, float, float]:
    cov = np.cov(y, x, ddof=1)
    return float(y.mean()), float(x.mean()), float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])


def cuped(
    control_values: Any,
    treatment_values: Any,
    control_pre: Any,
    treatment_pre: Any,
    *,
    relative: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
) -> TestResult:
    """Welch test on CUPED-adjusted metrics; ``theta`` is reported on the result.

    Falls back to the plain Welch test (status ok, warning ``constant_covariate``) when the
    pre-period covariate has zero variance.
    """
    check_alternative(alternative)
    check_alpha(alpha)
    yc, yt = as_float_array(control_values, "control_values"), as_float_array(
        treatment_values, "treatment_values"
    )
    xc, xt = as_float_array(control_pre, "control_pre"), as_float_array(
        treatment_pre, "treatment_pre"
    )
    if yc.size != xc.size or yt.size != xt.size:
        raise InvalidParameterError("Each arm needs one pre-period value per unit.")
    sc, st = SampleStats.from_values(yc), SampleStats.from_values(yt)
    warnings: tuple[ResultWarning, ...] = ()
    if yc.size < 2 or yt.size < 2:
        theta = 0.0
    else:
        theta = cuped_theta(np.concatenate([yc, yt]), np.concatenate([xc, xt]))
        if theta == 0.0 and not float(np.var(np.concatenate([xc, xt]))) > 0:
            warnings = (ResultWarning(
                codes.CONSTANT_COVARIATE,
                "the pre-period covariate is constant; CUPED fell back to the plain t-test.",
            ),)
    if yc.size < 2 or yt.size < 2 or theta == 0.0:
        arm_c, arm_t = Arm(sc.mean, sc.variance, sc.n), Arm(st.mean, st.variance, st.n)
        comp = compare(arm_c, arm_t, relative=relative)
        estimate, se, dof, status = comp.estimate, comp.se, comp.dof, comp.status
        warnings = comp.warnings + warnings
    else:
        mc, xmc, vyc, vxc, cc = _moments(yc, xc)
        mt, xmt, vyt, vxt, ct = _moments(yt, xt)
        adj_vc = max(vyc + theta**2 * vxc - 2 * theta * cc, 0.0)
        adj_vt = max(vyt + theta**2 * vxt - 2 * theta * ct, 0.0)
        nc, nt = yc.size, yt.size
        dof = welch_dof(adj_vc, nc, adj_vt, nt)
        diff = (mt - theta * xmt) - (mc - theta * xmc)
        status = codes.OK
        if relative and mc == 0:
            estimate, variance, status = math.nan, math.nan, codes.ZERO_CONTROL_MEAN
            warnings += (ResultWarning(status, "the control mean is 0; no relative lift."),)
        elif relative:
            estimate = diff / abs(mc)
            variance = adj_vt / (nt * mc**2) + (
                vyc * mt**2 / mc**2 - 2 * theta * cc * mt / mc + theta**2 * vxc
            ) / (nc * mc**2)
        else:
            estimate, variance = diff, adj_vt / nt + adj_vc / nc
        se = math.sqrt(variance) if variance > 0 else (0.0 if variance == 0 else math.nan)
        if status == codes.OK and se == 0.0:
            status = codes.ZERO_VARIANCE
            warnings += (ResultWarning(status, "adjusted metrics are constant."),)
    statistic, p_value, low, high = tails(estimate, se, dof, alternative, alpha)
    return TestResult(
        "cuped_welch_t", estimate, se, low, high, p_value, statistic, dof, relative,
        alternative, alpha, sc.mean, st.mean, sc.n, st.n, status, warnings, theta=theta,
    )
