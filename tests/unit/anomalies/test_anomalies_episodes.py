"""Issue 15, remaining gaps: views picked by their count variance, long runs judged by
their own dispersion, and a much deeper slice inside an alerted shift re-alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import applens.anomalies._calibrated as calibrated
from applens.anomalies import get_detector
from applens.anomalies._counts import count_dispersion, count_evidence, count_tail_z, run_dispersion
from applens.anomalies._stats import suppress_after


def test_a_fresh_row_opens_a_new_episode_only_once_the_episode_is_old_enough():
    r = np.array([1.5] + [1.1] * 30)
    fresh = np.zeros(len(r), bool)
    fresh[[5, 20]] = True
    out = suppress_after(r, 1.0, 10, extend=True, worse=2.0, fresh=fresh, fresh_after=8)
    # Row 5 is inside the episode's first 8 rows (its own incident); row 20 is a new one.
    assert list(np.flatnonzero(out >= 1.0)) == [0, 20]
    assert list(np.flatnonzero(suppress_after(r, 1.0, 10, extend=True, worse=2.0) >= 1.0)) == [0]


def test_worse_reads_the_severity_not_evidence_that_only_piles_up_over_a_run():
    r = np.array([1.1, 1.5, 2.0, 2.5, 3.0])  # a day-long sum grows more certain each row
    assert list(np.flatnonzero(suppress_after(r, 1.0, 10, extend=True, worse=2.0) >= 1)) == [0, 3]
    sev = np.full(len(r), 1.1)
    out = suppress_after(r, 1.0, 10, extend=True, worse=2.0, severity=sev)
    assert list(np.flatnonzero(out >= 1.0)) == [0]


def _weekly(n_days: int, level: float, seed: int):
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-02-05", periods=n_days * 96, freq="15min")  # a Monday
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    daily = 0.55 + 0.45 * np.clip(np.sin((hour - 6) / 18 * np.pi), 0, None) ** 1.5
    weekly = np.where(ts.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    return level * daily * weekly, ts, rng


@pytest.mark.parametrize("level", [200.0, 2000.0])
def test_the_count_view_reads_a_saturday_against_last_weeks_not_yesterday(level):
    # (A robust noise scale, the rule before, cannot tell: the MAD of "same slot
    # yesterday" does not see a misfit on 2 days in 7.)
    mean, ts, rng = _weekly(42, level, 0)
    x = rng.poisson(mean).astype(float)
    s = pd.Series(x)
    # The detector's two per-slot views: the median of the same slot on the last 7 days,
    # and on the same weekday of the last 4 weeks.
    days = pd.concat([s.shift(96 * k) for k in range(1, 8)], axis=1).median(axis=1).to_numpy()
    weeks = pd.concat([s.shift(672 * k) for k in range(1, 5)], axis=1).median(axis=1).to_numpy()
    flat = np.ones(len(x))
    ev = count_evidence(x, [(days, flat, 7), (weeks, flat, 4)], np.zeros(len(x)), 4000, 100)
    saturday = (ts.day_of_week == 5) & (np.arange(len(ts)) >= 21 * 96)  # yesterday: a Friday
    picked_week = np.isclose(ev.expected[saturday], weeks[saturday])
    assert picked_week.mean() > 0.95


def test_a_long_run_with_correlated_misfit_is_no_incident_under_its_own_dispersion():
    # The expectation is off by a day-level factor (sd 10 %): every slice looks fine, but
    # a per-slice dispersion takes 24 slices' shared misfit for 24 independent ones.
    rng = np.random.default_rng(1)
    days = 60
    e = np.full(days * 96, 200.0)
    factor = np.repeat(rng.normal(1.0, 0.1, days), 96)
    x = rng.poisson(e * factor).astype(float)
    per_slice = count_tail_z(x, e, count_dispersion(x, e, 4000, 100), 24)
    pooled = count_tail_z(x, e, run_dispersion(x, e, 24, 4000, 100), 24, pooled=True)
    judged = slice(3000, None)
    assert np.nanmean(np.abs(per_slice[judged]) >= 4.5) > 0.05
    assert np.nanmean(np.abs(pooled[judged]) >= 4.5) == 0.0
    # ... while a real halving over the run stands out under the pooled dispersion too.
    y = x.copy()
    y[-24:] = rng.poisson(0.5 * e[-24:] * factor[-24:])
    y_pooled = count_tail_z(y, e, run_dispersion(y, e, 24, 4000, 100), 24, pooled=True)
    assert y_pooled[-1] < -4.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_deep_slice_inside_an_alerted_shift_alerts_again(seed, monkeypatch):
    mean, ts, rng = _weekly(42, 2000.0, seed)
    mean[-3 * 96 :] *= 0.7  # a level shift three days before the end ...
    x = rng.poisson(mean).astype(float)
    x[-1] = np.round(x[-1] * 0.4)  # ... and a last slice with 40 % of its events
    det = get_detector("default")
    alert = det.fit_detect(x, ts).alert
    assert alert[-3 * 96 : -3 * 96 + 96].any()  # the shift is alerted
    assert alert[-1]
    assert alert[-3 * 96 : -1].sum() <= 3  # one incident is not a storm
    monkeypatch.setattr(calibrated, "_FRESH_ROWS", 0)
    assert not get_detector("default").fit_detect(x, ts).alert[-1]


def test_an_outage_six_hours_ago_does_not_speak_for_a_normal_slice_now():
    rng = np.random.default_rng(3)
    e = np.full(40 * 96, 200.0)
    x = rng.poisson(e).astype(float)
    t = len(x) - 1
    x[t - 22 : t - 18] = rng.poisson(20.0, 4)  # an hour at 10 %, about five hours ago
    x[t] = 190.0  # a little below expectation: off "the same way" as the run
    flat = np.ones(len(x))
    side = np.sign(x - e)
    ev = count_evidence(x, [(e, flat, 7)], side, 4000, 100)
    assert count_tail_z(x, e, run_dispersion(x, e, 24, 4000, 100), 24, pooled=True)[t] < -4.5
    assert ev.tail[t] < 2.0  # the run's recent half is normal: no evidence for this slice
    assert ev.tail[t - 18] > 4.5  # while the hour itself was overwhelming


def test_fresh_rows_go_deeper_into_a_shift_but_not_back_and_either_way_near_normal():
    from applens.anomalies._counts import CountEvidence, fresh_rows

    rng = np.random.default_rng(4)
    n = 100
    e = np.full(n, 1000.0)
    x = rng.poisson(e).astype(float)
    x[50:99] = rng.poisson(700.0, 49)  # a x0.7 shift from row 50
    zeros = np.zeros(n)
    ev = CountEvidence(zeros, zeros, np.zeros(n, bool), e, np.full(n, 0.001), zeros, zeros,
                       zeros)
    deeper, back, normal_drop = x.copy(), x.copy(), x.copy()
    deeper[99], back[99] = 300.0, 1000.0
    normal_drop[16:40] = 1020.0  # the last 24 rows a hair above normal ...
    normal_drop[40] = 600.0  # ... then a drop: a new incident all the same
    assert fresh_rows(deeper, ev, 24, 3.5)[99]
    assert not fresh_rows(back, ev, 24, 3.5)[99]  # the way back is no new incident
    assert fresh_rows(normal_drop, ev, 24, 3.5)[40]
