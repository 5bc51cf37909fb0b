"""Bayesian readout: chance to win and expected loss from a Normal model of the lift.

As GrowthBook/Eppo/PostHog: the lift estimate ``N(Δ̂, se²)`` (delta method, relative by
default) is combined with a conjugate Normal prior on the lift (``prior_sd=None`` is the
flat prior, so the posterior is the likelihood). Expected loss of shipping treatment is
``E[max(−L, 0)]`` and of keeping control ``E[max(L, 0)]``, in closed form.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats

from applens.errors import InvalidParameterError
from applens.experiments._compare import Arm, check_alpha, compare
from applens.experiments.results import ResultWarning
from applens.experiments.stats import RatioStats, SampleStats

__all__ = ["BayesianResult", "bayesian"]


@dataclass(frozen=True)
class BayesianResult:
    estimate: float  # posterior mean of the lift
    se: float  # posterior standard deviation
    ci_low: float  # equal-tailed credible interval at 1 - alpha
    ci_high: float
    chance_to_win: float  # P(lift > 0)
    expected_loss_treatment: float  # E[max(-lift, 0)]: what shipping treatment risks
    expected_loss_control: float  # E[max(lift, 0)]: what keeping control risks
    relative: bool
    alpha: float
    control_mean: float
    treatment_mean: float
    n_control: int
    n_treatment: int
    method: str = "bayesian_normal"
    status: str = "ok"
    warnings: tuple[ResultWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = [str(w) for w in self.warnings]
        return data


def _partial_positive(mu: float, sd: float) -> float:
    """``E[max(X, 0)]`` for X ~ N(mu, sd²)."""
    z = mu / sd
    return mu * float(stats.norm.cdf(z)) + sd * float(stats.norm.pdf(z))


def bayesian(
    control: SampleStats | RatioStats,
    treatment: SampleStats | RatioStats,
    *,
    relative: bool = True,
    prior_mean: float = 0.0,
    prior_sd: float | None = None,
    alpha: float = 0.05,
) -> BayesianResult:
    """Posterior of the (relative) lift under a Normal prior ``N(prior_mean, prior_sd²)``."""
    check_alpha(alpha)
    if prior_sd is not None and not prior_sd > 0:
        raise InvalidParameterError(f"prior_sd must be > 0 (or None for flat); got {prior_sd}.")
    comp = compare(
        Arm(control.mean, control.variance, control.n),
        Arm(treatment.mean, treatment.variance, treatment.n),
        relative=relative,
    )
    nan = math.nan
    head = dict(relative=relative, alpha=alpha, control_mean=control.mean,
                treatment_mean=treatment.mean, n_control=control.n, n_treatment=treatment.n)
    if not comp.se > 0:
        return BayesianResult(nan, nan, nan, nan, nan, nan, nan, **head,
                              status=comp.status, warnings=comp.warnings)
    precision = 1 / comp.se**2 + (0.0 if prior_sd is None else 1 / prior_sd**2)
    mean = comp.estimate / comp.se**2 + (0.0 if prior_sd is None else prior_mean / prior_sd**2)
    mu, sd = mean / precision, math.sqrt(1 / precision)
    q = float(stats.norm.isf(alpha / 2))
    return BayesianResult(
        mu, sd, mu - q * sd, mu + q * sd, float(stats.norm.sf(0, mu, sd)),
        _partial_positive(-mu, sd), _partial_positive(mu, sd), **head,
    )
