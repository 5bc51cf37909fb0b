"""Power, minimum detectable effect and sample size for means and proportions.

Normal approximation (what the tests converge to at experiment sizes). For proportions the
null variance uses the pooled rate and the alternative the per-arm rates, as statsmodels'
``power_proportions_2indep``; for means both use ``sd``. ``n_control`` is the control arm's
size and the treatment arm has ``ratio · n_control`` units.
"""

from __future__ import annotations

import math
from typing import Literal

from scipy import optimize, stats

from applens.errors import InvalidParameterError
from applens.experiments._compare import check_alpha, check_alternative
from applens.experiments.results import Alternative

__all__ = ["MetricKind", "mde", "power", "sample_size"]

MetricKind = Literal["mean", "proportion"]


def _check(metric: MetricKind, baseline: float, sd: float | None, ratio: float) -> None:
    if metric not in ("mean", "proportion"):
        raise InvalidParameterError(f"metric must be mean or proportion; got {metric!r}.")
    if metric == "proportion" and not 0 < baseline < 1:
        raise InvalidParameterError(f"A proportion baseline must be in (0, 1); got {baseline}.")
    if metric == "mean" and (sd is None or not sd > 0):
        raise InvalidParameterError("A mean metric needs sd > 0 (the per-unit standard deviation).")
    if not ratio > 0:
        raise InvalidParameterError(f"ratio must be > 0; got {ratio}.")


def _ses(effect: float, baseline: float, sd: float | None, n_c: float, ratio: float,
         metric: MetricKind) -> tuple[float, float]:
    """Standard error of the difference under the null and under the alternative."""
    n_t = ratio * n_c
    if metric == "mean":
        se = float(sd) * math.sqrt(1 / n_c + 1 / n_t)
        return se, se
    p_c, p_t = baseline, baseline + effect
    pooled = (p_t * n_t + p_c * n_c) / (n_t + n_c)
    se_null = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))
    se_alt = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return se_null, se_alt


def power(
    effect: float,
    *,
    n_control: float,
    baseline: float = 0.0,
    sd: float | None = None,
    metric: MetricKind = "mean",
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> float:
    """Probability of a significant result when the true absolute effect is ``effect``.

    >>> round(power(0.01, n_control=30_000, baseline=0.2, metric="proportion"), 4)
    0.8586
    """
    check_alpha(alpha)
    check_alternative(alternative)
    _check(metric, baseline, sd, ratio)
    if metric == "proportion" and not 0 < baseline + effect < 1:
        raise InvalidParameterError(
            f"baseline + effect must stay in (0, 1); got {baseline + effect}."
        )
    se_null, se_alt = _ses(effect, baseline, sd, n_control, ratio, metric)
    if alternative == "two-sided":
        z = float(stats.norm.isf(alpha / 2))
        return float(stats.norm.sf((z * se_null - effect) / se_alt)
                     + stats.norm.cdf((-z * se_null - effect) / se_alt))
    z = float(stats.norm.isf(alpha))
    if alternative == "greater":
        return float(stats.norm.sf((z * se_null - effect) / se_alt))
    return float(stats.norm.cdf((-z * se_null - effect) / se_alt))


def _check_target(target: float) -> None:
    if not 0 < target < 1:
        raise InvalidParameterError(f"power must be between 0 and 1; got {target}.")


def mde(
    *,
    n_control: float,
    baseline: float = 0.0,
    sd: float | None = None,
    metric: MetricKind = "mean",
    power_target: float = 0.8,
    ratio: float = 1.0,
    alpha: float = 0.05,
    relative: bool = False,
) -> float:
    """Smallest positive effect detected with probability ``power_target`` (two-sided).

    Absolute by default; ``relative=True`` divides by ``baseline``. ``nan`` when even the
    largest possible proportion change is not detectable with this sample.
    """
    _check_target(power_target)
    _check(metric, baseline, sd, ratio)
    upper = (1 - baseline) * (1 - 1e-12) if metric == "proportion" else 100 * float(sd)

    def gap(effect: float) -> float:
        return power(effect, n_control=n_control, baseline=baseline, sd=sd, metric=metric,
                     ratio=ratio, alpha=alpha) - power_target

    if gap(upper) < 0:
        return math.nan
    effect = float(optimize.brentq(gap, 1e-12, upper, xtol=1e-14, rtol=1e-12))
    if relative:
        if baseline == 0:
            raise InvalidParameterError("A relative MDE needs a non-zero baseline.")
        return effect / abs(baseline)
    return effect


def sample_size(
    effect: float,
    *,
    baseline: float = 0.0,
    sd: float | None = None,
    metric: MetricKind = "mean",
    power_target: float = 0.8,
    ratio: float = 1.0,
    alpha: float = 0.05,
) -> int:
    """Control-arm size (rounded up) to detect the absolute ``effect`` (two-sided);
    the treatment arm needs ``ceil(ratio · n)``."""
    _check_target(power_target)
    _check(metric, baseline, sd, ratio)
    if effect == 0:
        raise InvalidParameterError("effect must be non-zero.")

    def gap(n: float) -> float:
        return power(effect, n_control=n, baseline=baseline, sd=sd, metric=metric,
                     ratio=ratio, alpha=alpha) - power_target

    high = 10.0
    while gap(high) < 0:
        high *= 10
        if high > 1e13:
            raise InvalidParameterError("The effect is too small to detect with any sample size.")
    return math.ceil(optimize.brentq(gap, 2.0, high, xtol=1e-9) - 1e-9) if gap(2.0) < 0 else 2
