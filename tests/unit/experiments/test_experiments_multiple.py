"""adjust_pvalues is statsmodels' multipletests, with NaNs kept out of the family."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from applens.errors import InvalidParameterError
from applens.experiments.multiple import adjust_pvalues

METHODS = [("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")]


def _random_family(rng: np.random.Generator, kind: int) -> np.ndarray:
    m = int(rng.integers(1, 30))
    if kind == 0:
        p = rng.uniform(0, 1, m)
    elif kind == 1:
        p = rng.uniform(0, 1e-3, m)
    elif kind == 2:  # many ties
        p = np.round(rng.uniform(0, 1, m), 1)
    else:  # edge values
        p = rng.choice([0.0, 1.0, 0.05, 1e-300, 0.999999], m)
    p[rng.random(m) < 0.2] = np.nan
    return p


@pytest.mark.parametrize(("ours", "theirs"), METHODS)
def test_matches_statsmodels_on_random_families_with_ties_nan_and_edges(ours, theirs):
    rng = np.random.default_rng(21)
    for i in range(40):  # statsmodels' holm runs gc.collect() per call: few, varied families
        p = _random_family(rng, i % 4)
        got = np.asarray(adjust_pvalues(p.tolist(), ours))
        kept = ~np.isnan(p)
        assert np.isnan(got[~kept]).all()
        if kept.any():
            np.testing.assert_allclose(got[kept], multipletests(p[kept], method=theirs)[1],
                                       rtol=1e-12, atol=0)


@pytest.mark.parametrize(("ours", "_theirs"), METHODS)
def test_empty_and_all_missing_families(ours, _theirs):
    assert adjust_pvalues([], ours) == []
    assert all(math.isnan(v) for v in adjust_pvalues([math.nan, math.nan], ours))


def test_out_of_range_and_unknown_method_are_refused():
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        adjust_pvalues([0.2, 1.5])
    with pytest.raises(InvalidParameterError, match="holm, bh or bonferroni"):
        adjust_pvalues([0.1], "sidak")  # type: ignore[arg-type]
