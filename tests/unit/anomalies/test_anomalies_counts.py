"""Bursty event counts: a sustained drop is caught once; bursts alone stay rare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from applens.anomalies import get_detector
from applens.anomalies._stats import count_like

from ._synth import SLOTS_PER_DAY, bursty_counts

OUTAGE = 22 * SLOTS_PER_DAY + 52  # 13:00 on day 23
HOURS3 = 12
WEEK = 7 * SLOTS_PER_DAY


def _detect(values, ts):
    return get_detector("default", min_volume=20, min_abs_change=10).fit_detect(values, ts)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_three_hour_drop_of_bursty_counts_is_one_alert_inside_the_window(seed):
    values, ts = bursty_counts(seed=seed)
    values[OUTAGE : OUTAGE + HOURS3] = np.round(values[OUTAGE : OUTAGE + HOURS3] * 0.1)
    d = _detect(values, ts)
    inside = np.flatnonzero(d.alert[OUTAGE : OUTAGE + HOURS3])
    assert inside.size == 1  # one episode, not one alert per slot
    assert inside[0] <= 6  # within the first 1.5 hours of the outage
    # Judged on the expected level: the min-volume guard lets an 80 -> 4 drop through.
    assert d.expected[OUTAGE + inside[0]] >= 20


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bursty_counts_without_a_drop_stay_rare(seed):
    values, ts = bursty_counts(seed=seed)
    alert = _detect(values, ts).alert
    noisy = get_detector("simple", min_volume=20, min_abs_change=10).fit_detect(values, ts).alert
    # Three weeks after the warm-up week, ~20 planted bursts of 3-6x. A record-calibrated
    # rule fires on the odd new record (about one in 2000 rows per component), never on
    # every burst and never in a storm.
    after = alert[WEEK:]
    assert after.sum() <= 9
    assert after.sum() * 10 < noisy[WEEK:].sum()
    assert np.all(np.diff(np.flatnonzero(after)) > 1)


def test_count_like_is_causal_and_needs_whole_non_negative_values():
    x = np.r_[np.arange(200.0), [2.5], np.arange(50.0), [-1.0], np.arange(10.0)]
    flag = count_like(pd.Series(x))
    assert flag[:251].all()  # one fraction in 200 rows is tolerated
    assert not flag[251:].any()  # a negative value: never a count again
    assert not count_like(pd.Series(np.linspace(0, 1, 200)))[5:].any()


def test_min_volume_is_judged_on_the_expected_level_too():
    det = get_detector("default", min_volume=20)
    x = np.array([4.0, 4.0, 30.0])
    expected = np.array([80.0, 2.0, 2.0])
    # 80 -> 4 is a real drop; 2 -> 4 at night is not; 2 -> 30 has the volume.
    assert det._guards_ok(x, expected).tolist() == [True, False, True]
