"""Behaviour on synthetic 15-minute series: incidents found, calm series quiet."""

from __future__ import annotations

import numpy as np
import pytest

from applens.anomalies import DefaultDetector, LevelShiftDetector, SeasonalDetector, get_detector

from ._synth import SLOTS_PER_DAY, seasonal_series

START = 21 * SLOTS_PER_DAY + 40  # mid-morning of day 22


def _alerts_near(alert, at, before=0, after=8):
    return alert[at - before : at + after + 1].any()


@pytest.mark.parametrize("name", ["default", "seasonal"])
def test_calm_seasonal_series_is_quiet(name):
    values, ts = seasonal_series(days=28, seed=3)
    alert = get_detector(name).fit_detect(values, ts).alert
    noisy = get_detector("simple").fit_detect(values, ts).alert
    # Four weeks of 96 slices. A record-calibrated rule still fires on the odd new
    # record while its memory fills (the first weekend looks unusual before the weekly
    # baseline exists), but it must be far quieter than the seed rule.
    assert alert.sum() <= 8
    assert alert.sum() * 10 < noisy.sum()
    assert alert[-7 * SLOTS_PER_DAY :].sum() <= 2


@pytest.mark.parametrize("name", ["default", "seasonal"])
def test_spike_found(name):
    values, ts = seasonal_series(days=28, seed=4)
    values[START] *= 2.0
    d = get_detector(name).fit_detect(values, ts)
    assert d.alert[START]
    assert d.score[START] > 0.5
    assert d.upper[START] < values[START]


@pytest.mark.parametrize("name", ["default", "seasonal"])
def test_drop_found(name):
    values, ts = seasonal_series(days=28, seed=5)
    values[START : START + 4] *= 0.3  # an hour-long outage
    d = get_detector(name).fit_detect(values, ts)
    assert _alerts_near(d.alert, START, after=3)
    assert d.lower[START] > values[START]


@pytest.mark.parametrize("cls", [DefaultDetector, LevelShiftDetector])
def test_level_shift_found_once(cls):
    rng = np.random.default_rng(6)
    _, ts = seasonal_series(days=28)
    values = 100 + 2 * rng.standard_normal(len(ts))
    values[START:] += 15  # permanent step of 7.5 sigmas
    alert = cls().fit_detect(values, ts).alert
    assert _alerts_near(alert, START, after=12)
    # One incident, not a storm: the suppression caps repeats after the crossing.
    assert alert[START : START + 48].sum() <= 2


def test_seasonal_pattern_break_found_where_plain_level_is_not_unusual():
    # The value stays inside the series' overall range, only the daily shape breaks:
    # at 3 am the metric shows its noon level.
    values, ts = seasonal_series(days=28, seed=8, noise=0.02)
    night = START - 40 + 12  # 03:00 on day 22
    values[night : night + 4] = values[night - SLOTS_PER_DAY * 7 + 36]
    d = SeasonalDetector().fit_detect(values, ts)
    assert _alerts_near(d.alert, night, after=3)


def test_min_volume_guard_silences_tiny_metric():
    values, ts = seasonal_series(days=28, seed=9, level=3.0, noise=0.0)
    values = np.round(values)
    # 3 -> 15 users: huge ratio, tiny volume (3 -> 12 is p ~ 1e-4 for a count of ~3, under
    # the 3.5-sigma count support other views need on counts since issue 15)
    values[START] = 15
    loud = get_detector("default").fit_detect(values, ts).alert
    quiet = get_detector("default", min_volume=50).fit_detect(values, ts).alert
    assert loud[START]
    assert not quiet.any()


def test_min_abs_change_guard():
    values, ts = seasonal_series(days=28, seed=10)
    values[START] += 400
    assert get_detector("seasonal").fit_detect(values, ts).alert[START]
    guarded = get_detector("seasonal", min_abs_change=5000).fit_detect(values, ts)
    assert not guarded.alert[START]


def test_cooldown_dedups_alerts():
    values, ts = seasonal_series(days=14, seed=11)
    values[START - 7 * SLOTS_PER_DAY :][::3] *= 5  # every third slice explodes
    storm = get_detector("simple").fit_detect(values, ts).alert
    calm = get_detector("simple", cooldown=20).fit_detect(values, ts).alert
    assert storm.sum() > 2 * calm.sum()
    hits = np.flatnonzero(calm)
    assert np.all(np.diff(hits) > 20)


def test_simple_rule_is_noisy_on_calm_series():
    # Documented weakness of the seed rule: it fires on ordinary noise.
    values, ts = seasonal_series(days=14, seed=12, noise=0.05)
    assert get_detector("simple").fit_detect(values, ts).alert.sum() > 10
