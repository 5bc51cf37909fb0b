"""Multiple-testing corrections (Holm, Benjamini–Hochberg, Bonferroni)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from applens.errors import InvalidParameterError

__all__ = ["adjust_pvalues"]

Correction = Literal["holm", "bh", "bonferroni"]


def adjust_pvalues(p_values: Sequence[float], method: Correction = "holm") -> list[float]:
    """Adjusted p-values in the input order; NaNs are kept and do not count as tests.

    Holm controls the family-wise error rate (the default: one experiment, a few metrics);
    BH controls the false-discovery rate (many metrics or slices).
    """
    p = np.asarray(p_values, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise InvalidParameterError("p-values must lie in [0, 1].")
    out = np.full(p.shape, np.nan)
    mask = ~np.isnan(p)
    q = p[mask]
    m = q.size
    if m == 0:
        return out.tolist()
    if method == "bonferroni":
        adjusted = np.minimum(1.0, q * m)
    elif method == "holm":
        order = np.argsort(q, kind="stable")
        stepped = np.maximum.accumulate(q[order] * (m - np.arange(m)))
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(1.0, stepped)
    elif method == "bh":
        order = np.argsort(q, kind="stable")[::-1]
        ranks = m - np.arange(m)  # rank of each sorted-descending p
        stepped = np.minimum.accumulate(q[order] * m / ranks)
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(1.0, stepped)
    else:
        raise InvalidParameterError(f"method must be holm, bh or bonferroni; got {method!r}.")
    out[mask] = adjusted
    return out.tolist()
