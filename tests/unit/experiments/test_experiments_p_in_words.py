"""Readout notes write p-values the house way (formatting.p_equals): never scientific."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from applens.experiments.aa import AAReport
from applens.experiments.analyze import analyze_frame
from applens.experiments.srm import srm
from applens.formatting import p_equals, percent


def test_the_srm_note_writes_its_p_value_with_p_equals():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"group": np.r_[["control"] * 3000, ["treatment"] * 3600],
                          "clicks": rng.poisson(2, 6600).astype(float)})
    readout = analyze_frame(frame, group_col="group", metrics=["clicks"], robust=False)
    note = readout.notes[0]
    assert readout.srm.p_value < 1e-4 and not re.search(r"\de-\d", note)
    assert note.startswith(f"SAMPLE RATIO MISMATCH ({p_equals(readout.srm.p_value)}):")


def _report(counts: list[int], rejections: int, n_runs: int = 1000) -> AAReport:
    p = stats.binomtest(rejections, n_runs, 0.05).pvalue
    return AAReport(("a", "b"), "x", "welch", srm(counts), (), n_runs, 100, 0.05,
                    rejections / n_runs, 0.0, 1.0, float(p), 0.0, 1.0)


def test_the_aa_verdict_writes_p_values_and_shares_with_the_shared_helpers():
    bad = _report([5000, 5600], rejections=90)
    text = bad.verdict
    assert not re.search(r"\de-\d", text)
    assert f"overall ({p_equals(bad.srm.p_value)})" in text
    assert f"binomial {p_equals(bad.fpr_p_value)}" in text
    assert f"rate {percent(0.09, 2)} differs from alpha={percent(0.05, 0)}" in text
    conservative = _report([5000, 5000], rejections=20)
    assert f"binomial {p_equals(conservative.fpr_p_value)})" in conservative.verdict
