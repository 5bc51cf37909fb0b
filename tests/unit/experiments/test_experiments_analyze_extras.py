"""analyze_frame: guardrails outside the correction, decisions, optional metrics, and the
Bayesian / sequential readouts (equal to calling bayesian() / sequential_test() directly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from applens.experiments import RatioStats, SampleStats, bayesian, sequential_test
from applens.experiments.analyze import ExtraReadouts, analyze_frame


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 2000
    group = np.repeat(["a", "b"], n)
    views = rng.poisson(20, 2 * n) + 1
    clicks = rng.binomial(views, np.where(group == "b", 0.12, 0.10))
    crashes = rng.poisson(np.where(group == "b", 0.3, 0.2))
    converted = (rng.random(2 * n) < 0.3).astype(float)
    late = converted.copy()
    late[::7] = np.nan  # not observable yet
    return pd.DataFrame({"group": group, "clicks": clicks, "views": views, "crashes": crashes,
                         "converted": converted, "late": late})


def test_extras_equal_the_direct_calls(frame):
    readout = analyze_frame(frame, group_col="group", metrics=["ctr=clicks/views", "converted"],
                            robust=False, extras=ExtraReadouts(bayesian=True, sequential=True,
                                                               prior_sd=0.3, n_star=1000))
    a, b = frame[frame.group == "a"], frame[frame.group == "b"]
    ctr = readout.metric("ctr")
    sa, sb = RatioStats.from_values(a.clicks, a.views), RatioStats.from_values(b.clicks, b.views)
    post = bayesian(sa, sb, prior_sd=0.3)
    assert ctr.chance_to_win == post.chance_to_win
    assert ctr.expected_loss == post.expected_loss_treatment
    conv = readout.metric("converted")
    seq = sequential_test(SampleStats.from_values(a.converted),
                          SampleStats.from_values(b.converted), n_star=1000)
    assert (conv.sequential_p, conv.sequential_ci_low) == (seq.p_value, seq.ci_low)
    assert conv.sequential_p >= conv.p_value  # always-valid costs power


def test_guardrails_decisions_and_optional_metrics(frame):
    readout = analyze_frame(frame, group_col="group", metrics=["ctr=clicks/views", "late"],
                            guardrails=["crashes"], optional={"late"}, robust=False)
    ctr, late, crashes = (readout.metric(m) for m in ("ctr", "late", "crashes"))
    assert ctr.decision == "significant increase (better)" and ctr.role == "metric"
    assert late.n_control + late.n_treatment == int(frame.late.notna().sum())
    assert crashes.role == "guardrail" and crashes.p_adjusted == crashes.p_value
    # More crashes: fine when higher is better (the default), FAILED when lower is better.
    assert crashes.decision == "ok" and crashes.difference > 0
    again = analyze_frame(frame, group_col="group", metrics=["converted"], guardrails=["crashes"],
                          lower_is_better={"crashes"}, robust=False)
    assert again.metric("crashes").decision == "FAILED: significantly worse"
    assert ctr.p_adjusted == pytest.approx(min(1.0, 2 * min(ctr.p_value, late.p_value))
                                           if ctr.p_value < late.p_value else
                                           max(ctr.p_value, 2 * late.p_value))
    with pytest.raises(Exception, match="missing values"):
        analyze_frame(frame, group_col="group", metrics=["late"], robust=False)


def test_failed_srm_overrides_every_decision(frame):
    lopsided = pd.concat([frame, frame[frame.group == "b"].iloc[:400]])
    readout = analyze_frame(lopsided, group_col="group", metrics=["ctr=clicks/views"], robust=False)
    assert not readout.srm.ok
    assert readout.metric("ctr").decision.startswith("untrustworthy")
