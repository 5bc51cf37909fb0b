"""CUPED for ratio metrics (e.g. CTR = Σclicks/Σviews) by the delta method.

Per unit we have the post-period numerator and denominator ``(m, d)`` and the same two for
the pre-period ``(m_pre, d_pre)``. Per arm the adjusted estimate is

    A = R − θ·R_pre,   R = m̄/d̄,   R_pre = m̄_pre/d̄_pre

and its variance is ``∇ᵀΛ∇/n`` with Λ the 4×4 sample covariance of ``(m, d, m_pre, d_pre)``
and ``∇ = [1/d̄, −m̄/d̄², −θ/d̄_pre, θ·m̄_pre/d̄_pre²]`` (gbstats
``RegressionAdjustedRatioStatistic``, experiment-methods.md §2.5).

θ is shared by both arms. It minimises ``Var(A_t − A_c) = Σ_arm (V − 2θC + θ²V_pre)/n_arm``,
so ``θ = Σ C/n / Σ V_pre/n`` with ``C = ∇_Rᵀ Λ_post,pre ∇_R_pre`` and ``V_pre`` the
per-unit delta variances. gbstats sums ``C`` and ``V_pre`` over arms without the ``1/n``
weights; the two agree for equal arms. With θ = 0 (a constant or uninformative pre-period)
the result is exactly :func:`applens.experiments.ratio_test`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from applens.errors import InvalidParameterError
from applens.experiments import codes
from applens.experiments._compare import check_alpha, check_alternative, tails, welch_dof
from applens.experiments.results import Alternative, ResultWarning, TestResult
from applens.experiments.stats import as_float_array

__all__ = ["RatioCupedStats", "ratio_cuped"]


@dataclass(frozen=True)
class RatioCupedStats:
    """One arm: ``n``, the means of ``(m, d, m_pre, d_pre)`` and their 4×4 covariance
    (ddof=1). Build it from per-unit arrays or from warehouse sums."""

    n: int
    means: tuple[float, float, float, float]
    cov: tuple[tuple[float, ...], ...]

    @classmethod
    def from_values(cls, numerators: Any, denominators: Any, numerators_pre: Any,
                    denominators_pre: Any) -> RatioCupedStats:
        cols = [as_float_array(v, name) for v, name in (
            (numerators, "numerators"), (denominators, "denominators"),
            (numerators_pre, "numerators_pre"), (denominators_pre, "denominators_pre"))]
        if len({c.size for c in cols}) != 1:
            raise InvalidParameterError("numerators, denominators and their pre-period values "
                                        "need one value per unit each (lengths differ).")
        data = np.vstack(cols)
        n = data.shape[1]
        return cls.from_sums(n, data.sum(axis=1), data @ data.T)

    @classmethod
    def from_sums(cls, n: int, sums: Any, products: Any) -> RatioCupedStats:
        """``sums[i] = Σx_i``, ``products[i][j] = Σx_i·x_j`` over units, in the order
        ``(m, d, m_pre, d_pre)``: the 4 + 10 numbers a warehouse query returns."""
        s = np.asarray(sums, dtype=float).reshape(4)
        p = np.asarray(products, dtype=float).reshape(4, 4)
        n = int(n)
        means = s / n if n else np.full(4, math.nan)
        cov = (p - np.outer(s, s) / n) / (n - 1) if n >= 2 else np.full((4, 4), math.nan)
        return cls(n, tuple(float(v) for v in means),
                   tuple(tuple(float(v) for v in row) for row in cov))

    @property
    def ratio(self) -> float:
        return self.means[0] / self.means[1] if self.means[1] else math.nan

    @property
    def ratio_pre(self) -> float:
        return self.means[2] / self.means[3] if self.means[3] else math.nan

    def _grad(self, theta: float) -> np.ndarray:
        m, d, mp, dp = self.means
        return np.array([1 / d, -m / d**2, -theta / dp, theta * mp / dp**2])

    def _parts(self) -> tuple[float, float, float]:
        """Per-unit delta (co)variances: Var(R), Cov(R, R_pre), Var(R_pre)."""
        lam = np.array(self.cov)
        g = self._grad(1.0)
        post, pre = g[:2], -g[2:]  # ∇R and ∇R_pre
        return (float(post @ lam[:2, :2] @ post), float(post @ lam[:2, 2:] @ pre),
                float(pre @ lam[2:, 2:] @ pre))

    def adjusted(self, theta: float) -> tuple[float, float]:
        """``(R − θ·R_pre, per-unit variance ∇ᵀΛ∇)``."""
        g = self._grad(theta)
        return self.ratio - theta * self.ratio_pre, max(float(g @ np.array(self.cov) @ g), 0.0)


def ratio_cuped_theta(control: RatioCupedStats, treatment: RatioCupedStats) -> float:
    """θ minimising the variance of the difference; 0 when the pre-period ratio is constant."""
    (_, cc, vc), (_, ct, vt) = control._parts(), treatment._parts()
    denominator = vc / control.n + vt / treatment.n
    if not denominator > 0 or not math.isfinite(denominator):
        return 0.0
    return (cc / control.n + ct / treatment.n) / denominator


def _degenerate(control: RatioCupedStats, treatment: RatioCupedStats) -> tuple[str, str] | None:
    if control.n < 2 or treatment.n < 2:
        return codes.INSUFFICIENT_DATA, (f"each arm needs at least 2 units; got control="
                                         f"{control.n}, treatment={treatment.n}.")
    if not all(arm.means[1] and arm.means[3] for arm in (control, treatment)):
        return codes.ZERO_DENOMINATOR, "an arm's post- or pre-period denominator sums to 0."
    return None


def ratio_cuped(
    control: RatioCupedStats,
    treatment: RatioCupedStats,
    *,
    relative: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
) -> TestResult:
    """Delta-method test of a ratio metric adjusted by its pre-period ratio (CUPED).

    ``control_mean``/``treatment_mean`` are the unadjusted post-period ratios; the relative
    lift is divided by the unadjusted control ratio (as for mean CUPED) and its variance is
    the delta method over both arms' four moments. ``theta`` is on the result.
    """
    check_alternative(alternative)
    check_alpha(alpha)
    warnings: tuple[ResultWarning, ...] = ()
    bad = _degenerate(control, treatment)
    theta = 0.0
    if bad is not None:
        status, message = bad
        estimate = se = dof = math.nan
        warnings = (ResultWarning(status, message),)
    else:
        theta = ratio_cuped_theta(control, treatment)
        if theta == 0.0:
            warnings = (ResultWarning(codes.CONSTANT_COVARIATE, "the pre-period ratio has no "
                                      "variance; CUPED fell back to the plain delta method."),)
        (a_c, v_c), (a_t, v_t) = control.adjusted(theta), treatment.adjusted(theta)
        n_c, n_t = control.n, treatment.n
        dof = welch_dof(v_c, n_c, v_t, n_t)
        status = codes.OK
        r_c = control.ratio
        if relative and r_c == 0:
            estimate = se = math.nan
            status = codes.ZERO_CONTROL_MEAN
            warnings += (ResultWarning(status, "the control ratio is 0; no relative lift."),)
        else:
            if relative:
                estimate = (a_t - a_c) / abs(r_c)
                m, d = control.means[:2]
                grad_r = np.array([1 / d, -m / d**2, 0.0, 0.0])
                # f = (A_t − A_c)/R_c: ∂f/∂control = −∇A_c/R_c − (A_t − A_c)/R_c²·∇R_c.
                g_c = -control._grad(theta) / r_c - (a_t - a_c) / r_c**2 * grad_r
                g_t = treatment._grad(theta) / r_c
                variance = (float(g_c @ np.array(control.cov) @ g_c) / n_c
                            + float(g_t @ np.array(treatment.cov) @ g_t) / n_t)
            else:
                estimate, variance = a_t - a_c, v_c / n_c + v_t / n_t
            se = math.sqrt(variance) if variance > 0 else 0.0
            if se == 0.0:
                status = codes.ZERO_VARIANCE
                warnings += (ResultWarning(status, "adjusted ratios are constant."),)
    statistic, p_value, low, high = tails(estimate, se, dof, alternative, alpha)
    return TestResult(
        "cuped_delta_method", estimate, se, low, high, p_value, statistic, dof, relative,
        alternative, alpha, control.ratio, treatment.ratio, control.n, treatment.n, status,
        warnings, theta=theta,
    )
