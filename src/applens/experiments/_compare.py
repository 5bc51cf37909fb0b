"""The shared two-arm comparison: difference of means, its standard error and the t tails.

Every frequentist test reduces to per-arm ``(mean, per-unit variance, n)``; relative lifts
use the delta method (variance of a ratio of means, experiment-methods.md §2.2), not the
absolute CI divided by the control mean. Tails use survival functions so tiny p-values do
not round to exactly 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from applens.errors import InvalidParameterError
from applens.experiments import codes
from applens.experiments.results import Alternative, ResultWarning

__all__ = ["Arm", "Comparison", "check_alpha", "check_alternative", "compare", "tails"]

_ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class Arm:
    mean: float
    variance: float  # per-unit variance of the metric
    n: int


@dataclass(frozen=True)
class Comparison:
    estimate: float
    se: float
    dof: float
    status: str
    warnings: tuple[ResultWarning, ...]


def check_alternative(alternative: str) -> None:
    if alternative not in _ALTERNATIVES:
        raise InvalidParameterError(
            f"alternative must be one of {', '.join(_ALTERNATIVES)}; got {alternative!r}."
        )


def check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise InvalidParameterError(f"alpha must be between 0 and 1; got {alpha}.")


def _degenerate(status: str, message: str) -> Comparison:
    return Comparison(math.nan, math.nan, math.nan, status, (ResultWarning(status, message),))


def welch_dof(var_c: float, n_c: int, var_t: float, n_t: int) -> float:
    """Welch–Satterthwaite degrees of freedom from per-arm variances."""
    a, b = var_c / n_c, var_t / n_t
    denominator = a * a / (n_c - 1) + b * b / (n_t - 1)
    return (a + b) ** 2 / denominator if denominator > 0 else math.nan


def compare(
    control: Arm, treatment: Arm, *, relative: bool, equal_var: bool = False
) -> Comparison:
    """Estimate, standard error and dof of treatment − control (or relative lift)."""
    if control.n < 2 or treatment.n < 2:
        return _degenerate(
            codes.INSUFFICIENT_DATA,
            f"each arm needs at least 2 units; got control={control.n}, "
            f"treatment={treatment.n}.",
        )
    if math.isnan(control.mean) or math.isnan(treatment.mean):
        return _degenerate(codes.ZERO_DENOMINATOR, "an arm's ratio denominator sums to 0.")
    var_c, var_t = control.variance, treatment.variance
    n_c, n_t = control.n, treatment.n
    if equal_var:
        pooled = ((n_c - 1) * var_c + (n_t - 1) * var_t) / (n_c + n_t - 2)
        var_c = var_t = pooled
        dof = float(n_c + n_t - 2)
    else:
        dof = welch_dof(var_c, n_c, var_t, n_t)
    m_c, m_t = control.mean, treatment.mean
    if relative:
        if m_c == 0:
            return _degenerate(
                codes.ZERO_CONTROL_MEAN, "the control mean is 0, so a relative lift is undefined."
            )
        # Divide by |m_c| so the lift keeps the direction of the absolute effect.
        estimate = (m_t - m_c) / abs(m_c)
        variance = var_t / (n_t * m_c**2) + var_c * m_t**2 / (n_c * m_c**4)
    else:
        estimate = m_t - m_c
        variance = var_t / n_t + var_c / n_c
    if not variance > 0:
        return Comparison(
            estimate,
            0.0,
            dof,
            codes.ZERO_VARIANCE,
            (ResultWarning(codes.ZERO_VARIANCE, "both arms are constant; nothing to test."),),
        )
    return Comparison(estimate, math.sqrt(variance), dof, codes.OK, ())


def tails(
    estimate: float, se: float, dof: float, alternative: Alternative, alpha: float
) -> tuple[float, float, float, float]:
    """``(statistic, p_value, ci_low, ci_high)``; normal tails when ``dof`` is nan or inf."""
    if not (se > 0) or math.isnan(estimate):
        return math.nan, math.nan, math.nan, math.nan
    # scipy.special directly: frozen distributions cost ~0.5 ms a call, and A/A
    # validation runs this 10,000 times.
    if math.isfinite(dof):
        def sf(x: float) -> float:
            return float(special.stdtr(dof, -x))

        def isf(q: float) -> float:
            return float(-special.stdtrit(dof, q))
    else:
        def sf(x: float) -> float:
            return float(special.ndtr(-x))

        def isf(q: float) -> float:
            return float(-special.ndtri(q))
    statistic = estimate / se
    if alternative == "two-sided":
        p_value = 2 * sf(abs(statistic))
        q = isf(alpha / 2)
        return statistic, min(p_value, 1.0), estimate - q * se, estimate + q * se
    q = isf(alpha)
    if alternative == "greater":
        return statistic, sf(statistic), estimate - q * se, math.inf
    return statistic, sf(-statistic), -math.inf, estimate + q * se
