"""Sufficient statistics per arm: what a warehouse query returns and what the tests consume.

SQL computes ``n``, sums and sums of squares (and cross products for ratio metrics); Python
only does inference. ``from_values`` is the convenience path for in-memory arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from applens.errors import DataError, InvalidParameterError

__all__ = ["RatioStats", "SampleStats", "as_float_array", "control_ratio", "linearize"]

# Relative tolerance for "sum of squares is smaller than sum^2/n" caused by rounding.
_NEGATIVE_VARIANCE_RTOL = 1e-9


def as_float_array(values: Any, name: str = "values") -> np.ndarray:
    """A 1-d float array; non-numeric input is a DataError that names the argument."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric: {exc}. Convert the column to numbers.") from exc
    if array.ndim != 1:
        raise InvalidParameterError(f"{name} must be one-dimensional; got shape {array.shape}.")
    if np.isnan(array).any():
        raise DataError(
            f"{name} has {int(np.isnan(array).sum())} missing values; fill or drop them first."
        )
    return array


def _centred(n: int, sum_x: float, sum_y: float, sum_xy: float, name: str) -> float:
    """Sample (co)variance ``(Σxy − ΣxΣy/n)/(n−1)``; nan when n < 2."""
    if n < 2:
        return math.nan
    value = (sum_xy - sum_x * sum_y / n) / (n - 1)
    scale = abs(sum_xy) + abs(sum_x * sum_y / n)
    if name != "covariance" and value < 0:
        # Pre-aggregated sums of squares summed over dimensions break this (ep-stats #97).
        if value < -_NEGATIVE_VARIANCE_RTOL * max(scale, 1.0):
            raise InvalidParameterError(
                f"{name}: sum of squares is smaller than sum²/n, so the variance would be "
                f"negative ({value:.6g}). Compute sums of squares per unit, not per slice."
            )
        value = 0.0
    return value


@dataclass(frozen=True)
class SampleStats:
    """Size, mean and sample variance (ddof=1) of one arm's per-unit metric."""

    n: int
    mean: float
    variance: float

    def __post_init__(self) -> None:
        if self.n < 0:
            raise InvalidParameterError(f"n must be >= 0; got {self.n}.")

    @classmethod
    def from_values(cls, values: Any) -> SampleStats:
        array = as_float_array(values)
        n = int(array.size)
        mean = float(array.mean()) if n else math.nan
        variance = float(array.var(ddof=1)) if n >= 2 else math.nan
        return cls(n, mean, variance)

    @classmethod
    def from_sums(cls, n: int, sum: float, sum_squares: float) -> SampleStats:  # noqa: A002
        n = int(n)
        mean = sum / n if n else math.nan
        return cls(n, mean, _centred(n, sum, sum, sum_squares, "variance"))

    @property
    def std(self) -> float:
        return math.sqrt(self.variance) if self.variance >= 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RatioStats:
    """Per-unit numerator X and denominator Y of a ratio metric (e.g. clicks / views).

    The metric is ``R = ΣX/ΣY``; ``variance`` is the per-unit delta-method variance of R,
    so ``variance / n`` is ``Var(R)`` (experiment-methods.md §2.3).
    """

    n: int
    num_mean: float
    num_variance: float
    den_mean: float
    den_variance: float
    covariance: float

    @classmethod
    def from_values(cls, numerators: Any, denominators: Any) -> RatioStats:
        x = as_float_array(numerators, "numerators")
        y = as_float_array(denominators, "denominators")
        if x.shape != y.shape:
            raise InvalidParameterError(
                f"numerators and denominators differ in length ({x.size} vs {y.size})."
            )
        return cls.from_sums(
            x.size, x.sum(), (x * x).sum(), y.sum(), (y * y).sum(), (x * y).sum()
        )

    @classmethod
    def from_sums(
        cls,
        n: int,
        num_sum: float,
        num_sum_squares: float,
        den_sum: float,
        den_sum_squares: float,
        num_den_sum_products: float,
    ) -> RatioStats:
        n = int(n)
        return cls(
            n,
            num_sum / n if n else math.nan,
            _centred(n, num_sum, num_sum, num_sum_squares, "numerator variance"),
            den_sum / n if n else math.nan,
            _centred(n, den_sum, den_sum, den_sum_squares, "denominator variance"),
            _centred(n, num_sum, den_sum, num_den_sum_products, "covariance"),
        )

    @property
    def mean(self) -> float:
        """The ratio ``ΣX/ΣY`` (nan when the denominator sums to 0)."""
        return self.num_mean / self.den_mean if self.den_mean else math.nan

    @property
    def variance(self) -> float:
        """Per-unit delta-method variance: ``s²X/Ȳ² − 2X̄·sXY/Ȳ³ + X̄²·s²Y/Ȳ⁴``."""
        x, y = self.num_mean, self.den_mean
        if not y:
            return math.nan
        value = (
            self.num_variance / y**2
            - 2 * x * self.covariance / y**3
            + x**2 * self.den_variance / y**4
        )
        return max(value, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.mean, "variance": self.variance}


def linearize(numerators: Any, denominators: Any, k: float) -> np.ndarray:
    """Linearized per-unit metric ``X − k·Y`` (Budylin et al., WSDM 2018).

    Use ``k`` = the control arm's global ratio ``ΣX_c/ΣY_c`` for both arms; then an ordinary
    t-test on the result is asymptotically the delta-method test of ``R_t − R_c``.
    """
    x = as_float_array(numerators, "numerators")
    y = as_float_array(denominators, "denominators")
    if x.shape != y.shape:
        raise InvalidParameterError(
            f"numerators and denominators differ in length ({x.size} vs {y.size})."
        )
    return x - float(k) * y


def control_ratio(numerators: Sequence[float] | np.ndarray, denominators: Any) -> float:
    """``ΣX/ΣY`` of the control arm: the ``k`` to pass to :func:`linearize`."""
    den = float(np.sum(as_float_array(denominators, "denominators")))
    if den == 0:
        raise DataError("The control arm's denominators sum to 0; the ratio is undefined.")
    return float(np.sum(as_float_array(numerators, "numerators"))) / den
