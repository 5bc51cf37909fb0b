"""Multiple-testing corrections (Holm, Benjamini–Hochberg, Bonferroni), by statsmodels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from statsmodels.stats.multitest import multipletests

from applens.errors import InvalidParameterError

__all__ = ["adjust_pvalues"]

Correction = Literal["holm", "bh", "bonferroni"]

_STATSMODELS_METHOD: dict[str, str] = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}


def adjust_pvalues(p_values: Sequence[float], method: Correction = "holm") -> list[float]:
    """Adjusted p-values in the input order; NaNs are kept and do not count as tests.

    Holm controls the family-wise error rate (the default: one experiment, a few metrics);
    BH controls the false-discovery rate (many metrics or slices). statsmodels' holm runs
    ``gc.collect()`` on each call (about 0.1-0.3 s in a full process), so call it once per family.
    """
    if method not in _STATSMODELS_METHOD:
        raise InvalidParameterError(f"method must be holm, bh or bonferroni; got {method!r}.")
    p = np.asarray(p_values, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise InvalidParameterError("p-values must lie in [0, 1].")
    out = np.full(p.shape, np.nan)
    mask = ~np.isnan(p)
    if mask.any():
        out[mask] = multipletests(p[mask], method=_STATSMODELS_METHOD[method])[1]
    return out.tolist()
