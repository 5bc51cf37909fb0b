"""Sample-ratio mismatch: Pearson chi-square of observed arm sizes against planned weights.

Arms with weight 0 are dropped from the total and the dof (PostHog #43591); arms with a
positive weight and zero users are kept, since an arm that got no traffic is the clearest
SRM of all (GrowthBook #4427).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats

from applens.errors import InvalidParameterError

__all__ = ["DEFAULT_SRM_THRESHOLD", "SRMResult", "srm"]

# Eppo/GrowthBook: the check is re-run on every refresh, so a strict threshold keeps false
# alarms rare.
DEFAULT_SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SRMResult:
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi2: float
    dof: int
    p_value: float
    threshold: float

    @property
    def ok(self) -> bool:
        """True when the split is consistent with the weights (or cannot be tested)."""
        return math.isnan(self.p_value) or self.p_value >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def srm(
    observed_counts: Sequence[int],
    weights: Sequence[float] | None = None,
    *,
    threshold: float = DEFAULT_SRM_THRESHOLD,
) -> SRMResult:
    """Chi-square goodness of fit of ``observed_counts`` to ``weights`` (equal by default).

    >>> round(srm([1000, 1200, 900], [0.5, 0.5, 0]).p_value, 9)
    2.0079e-05
    """
    observed = [int(c) for c in observed_counts]
    weights = [1.0] * len(observed) if weights is None else [float(w) for w in weights]
    if len(weights) != len(observed):
        raise InvalidParameterError(
            f"Got {len(observed)} counts but {len(weights)} weights; give one weight per arm."
        )
    if any(w < 0 for w in weights) or any(c < 0 for c in observed):
        raise InvalidParameterError("Counts and weights must be non-negative.")
    keep = [i for i, w in enumerate(weights) if w > 0]
    obs = [observed[i] for i in keep]
    total, weight_sum = sum(obs), sum(weights[i] for i in keep)
    expected = [total * weights[i] / weight_sum for i in keep] if weight_sum else []
    if len(keep) < 2 or total == 0:
        return SRMResult(tuple(observed), tuple(expected), math.nan, 0, math.nan, threshold)
    chi2 = sum((o - e) ** 2 / e for o, e in zip(obs, expected, strict=True))
    dof = len(keep) - 1
    return SRMResult(
        tuple(observed), tuple(expected), chi2, dof, float(stats.chi2.sf(chi2, dof)), threshold
    )
