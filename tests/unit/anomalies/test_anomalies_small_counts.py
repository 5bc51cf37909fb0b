"""Issue 15 follow-up, small slices: the count view's expectation noise from the seasons
it actually had, a 3-slot expectation, and a CUSUM for sustained drops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import applens.anomalies._counts as counts
from applens.anomalies import get_detector
from applens.anomalies._counts import _median_noise, count_dispersion, drop_cusum
from applens.anomalies._slots import neighbour_expectation, seasons_seen
from applens.anomalies._stats import lagged


def _ts(days: int) -> pd.Series:
    return pd.Series(pd.date_range("2024-02-05", periods=days * 96, freq="15min"))


def test_seasons_seen_counts_the_weeks_the_median_had_and_skips_blanked_ones():
    ts = _ts(35)
    src = pd.Series(np.ones(len(ts)))
    week = pd.Timedelta(days=7)
    seen = seasons_seen(src, ts, week, 4)
    assert seen[0] == 0 and seen[672] == 1 and seen[2 * 672] == 2 and seen[4 * 672 + 5] == 4
    src[4 * 672 + 5 - 672] = np.nan  # last week's same slot blanked (an incident)
    assert seasons_seen(src, ts, week, 4)[4 * 672 + 5] == 3


def test_the_dispersion_is_not_inflated_by_the_weeks_with_fewer_seasons():
    # Pure Poisson at 20 per slice: the expectation is a median of 2, 3, then 4 weeks.
    rng = np.random.default_rng(3)
    ts = _ts(42)
    x = rng.poisson(20.0, len(ts)).astype(float)
    root = pd.Series(np.sqrt(x))
    week = pd.Timedelta(days=7)
    lags = pd.concat([lagged(root, ts, week * k) for k in range(1, 5)], axis=1)
    e = (lags.median(axis=1).where(lags.notna().sum(axis=1) >= 2) ** 2).to_numpy()
    seen = seasons_seen(root, ts, week, 4)
    nominal = count_dispersion(x, e, 8064, 100, _median_noise(4))[-1]
    actual = count_dispersion(x, e, 8064, 100, _median_noise(seen))[-1]
    assert nominal > 0.003  # the 2- and 3-week rows' noise read as overdispersion
    assert actual < nominal / 3


def test_the_three_slot_expectation_is_causal_and_a_third_as_noisy():
    rng = np.random.default_rng(4)
    ts = _ts(42)
    x = rng.poisson(20.0, len(ts)).astype(float)
    root = pd.Series(np.sqrt(x))
    week, step = pd.Timedelta(days=7), pd.Timedelta(minutes=15)
    e, draws = neighbour_expectation(root, ts, week, 4, step, 1)
    cut = 30 * 96 + 7
    e_cut, _ = neighbour_expectation(root[:cut], ts[:cut], week, 4, step, 1)
    np.testing.assert_array_equal(e[:cut], e_cut)  # a prefix sees the same expectation
    assert draws[-1] == 12
    single = (pd.concat([lagged(root, ts, week * k) for k in range(1, 5)], axis=1)
              .median(axis=1) ** 2).to_numpy()
    late = slice(5 * 672, None)
    assert np.var(e[late]) < 0.45 * np.var(single[late])


def test_drop_cusum_gathers_a_sustained_drop_and_resets_after_it_crosses():
    rng = np.random.default_rng(5)
    e = np.full(2000, 20.0)
    x = rng.poisson(e).astype(float)
    quiet = drop_cusum(x, e, np.zeros(len(x)), np.zeros(len(x)), 0.5, 15.0)
    assert quiet.max() < 1.0  # Poisson noise alone does not gather 15
    x[1000:] = rng.poisson(14.0, 1000)  # x0.7 from row 1000
    out = drop_cusum(x, e, np.zeros(len(x)), np.zeros(len(x)), 0.5, 15.0)
    first = 1000 + int(np.argmax(out[1000:] >= 1.0))
    assert first < 1000 + 40  # well within a day of 15-minute slices
    assert out[first + 1] < 0.3  # reset after the crossing
    x[1500] = np.nan  # an unknown row resets it too
    assert drop_cusum(x, e, np.zeros(len(x)), np.zeros(len(x)), 0.5, 15.0)[1500] == 0.0


def test_drop_cusum_reads_past_the_detectors_bar_before_it_restarts():
    # Shortfalls of 1.5 sigma with k = 0.5 gather exactly 1 per row: 15.0 at row 14.
    e = np.full(40, 100.0)
    x = e - 1.5 * 10.0
    zero = np.zeros(len(x))
    plain = drop_cusum(x, e, zero, zero, 0.5, 15.0)
    assert plain[14] == 1.0 and plain[15] < 0.1  # restarted at 1.0: never reads 1.02
    out = drop_cusum(x, e, zero, zero, 0.5, 15.0, reset=1.02)
    assert out[15] == 16.0 / 15.0 >= 1.02  # the crossing is seen ...
    assert out[16] < 0.1  # ... then it restarts


def _small_metric_with_shifts(seed: int) -> tuple[np.ndarray, pd.DatetimeIndex, int, int]:
    # The product bench's shape at 25 per slice: a trend, a x1.3 shift for 2 days, then
    # x0.7 for good.
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-02-05", periods=56 * 96, freq="15min")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    mean = 25 * (0.55 + 0.45 * np.clip(np.sin((hour - 6) / 18 * np.pi), 0, None) ** 1.5)
    mean *= np.where(ts.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    mean *= 1 + 0.002 * np.arange(len(ts)) / 96
    up, start = 44 * 96 + 40, 49 * 96 + 40
    mean[up : up + 192] *= 1.3
    mean[start:] *= 0.7
    return rng.poisson(mean).astype(float), ts, up, start


def test_a_small_metric_alerts_on_a_x07_level_shift_within_a_day(monkeypatch):
    # No run of slices reaches the drop within its first day here: the CUSUM does.
    x, ts, up, start = _small_metric_with_shifts(7)
    alert = get_detector("default").fit_detect(x, ts).alert
    assert alert[start : start + 96].any()
    assert not alert[14 * 96 : up].any()  # no false alert before the shifts
    monkeypatch.setattr(counts, "DROP_CUSUM", None)
    assert not get_detector("default").fit_detect(x, ts).alert[start : start + 96].any()


def test_a_cusum_crossing_between_1_and_the_bar_is_not_lost_to_a_restart(monkeypatch):
    # rng 16: the CUSUM's first-day crossings land on 1.00-1.02 of h; restarted there
    # (the old reset), none reached the detector's 1.02 and the drop went unseen all day.
    x, ts, _, start = _small_metric_with_shifts(16)
    assert get_detector("default").fit_detect(x, ts).alert[start : start + 96].any()
    plain = counts.drop_cusum
    monkeypatch.setattr(counts, "drop_cusum", lambda *a, reset=1.0: plain(*a, reset=1.0))
    assert not get_detector("default").fit_detect(x, ts).alert[start : start + 96].any()


@pytest.mark.parametrize("seed", [7, 16])
def test_the_drop_cusum_restarts_past_the_bar_of_a_stricter_count_z(seed):
    # count_z 5.0: the CUSUM reads as 4.5 / 5.0 of its ratio to h, so it alerts at 1.133 h;
    # restarted at the detector's 1.02 x h (the count_z 4.5 level) it was never seen.
    x, ts, up, start = _small_metric_with_shifts(seed)
    alert = get_detector("default", count_z=5.0).fit_detect(x, ts).alert
    assert alert[start : start + 96].any()
    assert not alert[14 * 96 : up].any()


def test_a_slot_whose_blanked_history_is_too_short_is_read_from_the_raw_one():
    from applens.anomalies._stats import season_lags

    ts = _ts(28)
    root = pd.Series(np.arange(len(ts), dtype=float))
    past = root.copy()
    first_saturday = slice(5 * 96, 6 * 96)
    past[first_saturday] = np.nan  # yesterday's view took the first weekend for an incident
    week = pd.Timedelta(days=7)
    lags = [week, 2 * week]
    third = 19 * 96 + 33  # the third Saturday: one blanked week of two
    got = season_lags(root, ts, lags, past)
    assert list(got.iloc[third]) == [third - 672, third - 2 * 672]  # both, from the raw
    second = 12 * 96 + 33  # the second Saturday has one week either way: stays blanked
    assert got.iloc[second].isna().all()
    assert seasons_seen(root, ts, week, 2, past)[third] == 2
    friday = 25 * 96 + 33  # a slot whose blanking leaves two of three keeps it
    past[friday - 672] = np.nan
    three = season_lags(root, ts, [week, 2 * week, 3 * week], past)
    assert three.iloc[friday].isna().sum() == 1


def test_the_sustained_view_reads_the_raw_history_where_the_blanking_left_too_little():
    from applens.anomalies._stats import sustained_baseline

    ts = _ts(10)
    x = pd.Series(100.0 + np.arange(len(ts)) % 3)
    past = x.copy()
    past[3 * 96 : 9 * 96] = np.nan  # six of the last seven days blanked (incidents)
    day = pd.Timedelta(days=1)
    t = 9 * 96 + 40  # day 9: only day 2's stretch is left, 8 values of the 10 needed
    got = sustained_baseline(x, ts, day, 7, 8, 2000, 100, past=past).expected
    assert got[t] == 101.0  # the median of the raw week, as the daily view reads it
    past[: 3 * 96] = np.nan  # nothing left raw or blanked before day 3: no opinion
    raw_too = sustained_baseline(x.where(past.notna()), ts, day, 7, 8, 2000, 100, past=past)
    assert np.isnan(raw_too.expected[t])
