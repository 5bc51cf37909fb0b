"""A campaign's two slices up are read against their own bar, ``spike_z`` (issue 15:
small slices, where a 2.2x spike of two slices often sits at 4.1-4.5 sigma)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, poisson

from applens.anomalies import get_detector
from applens.anomalies._counts import count_evidence, count_ratio


def _flat(n: int, e: float, seed: int):
    rng = np.random.default_rng(seed)
    expected = np.full(n, e)
    return rng.poisson(expected).astype(float), expected


def test_two_slices_up_are_read_against_the_spike_bar_and_a_drop_is_not():
    x, e = _flat(3000, 20.0, 0)
    t = len(x) - 1
    x[t - 1 : t + 1] = [33.0, 34.0]  # 67 where 40 were expected
    x[t - 2] = 20.0
    ev = count_evidence(x, [(e, np.ones(len(x)), 1000)], np.sign(x - e), 2000, 100)
    # Hand-computed: with the dispersion ~0 and no expectation noise the run is
    # Poisson(40); P(X >= 67) is z ~ 3.8, and neither slice alone is near the bar.
    z = norm.isf(poisson.sf(66, 40.0))
    assert ev.spike[t] == pytest.approx(z, abs=0.25)
    assert ev.tail[t] == ev.spike[t]
    ratio, short = count_ratio(ev, 4.5, 3.5)
    assert ratio[t] == pytest.approx(ev.spike[t] / 3.5)
    assert short[t] == ratio[t]  # a two-slice run is a short one: it may be "worse"
    assert count_ratio(ev, 4.5, 0.0)[0][t] == pytest.approx(ev.tail[t] / 4.5)
    y = x.copy()
    y[t - 1 : t + 1] = [7.0, 6.0]  # the same distance down
    ev_down = count_evidence(y, [(e, np.ones(len(y)), 1000)], np.sign(y - e), 2000, 100)
    assert ev_down.spike[t] == 0.0 and ev_down.tail[t] > 3.0


def test_the_spike_bar_crosses_about_as_often_as_its_normal_tail_on_pure_noise():
    # 40 series of 40 days at 20 per slice, no incident: a two-slice sum crosses 4.0
    # sigmas with probability 3.2e-5 per row, ~5 rows in all (neighbours share a slice).
    # A Gaussian z of the same sums with the same variance reads the count's heavier
    # upper tail as rarer than it is and crosses far more often.
    crossings, gaussian = 0, 0
    for seed in range(40):
        x, e = _flat(40 * 96, 20.0, seed)
        ev = count_evidence(x, [(e, np.ones(len(x)), 1000)], np.sign(x - e), 2000, 100)
        crossings += int(np.sum(ev.spike[200:] >= 4.0))
        sums = pd.Series(x).rolling(2).sum().to_numpy()
        var = (1.0 + ev.extra) * 40.0 + ev.dispersion * 2 * 20.0**2
        gaussian += int(np.sum(((sums - 40.0) / np.sqrt(var))[200:] >= 4.0))
    assert crossings <= 10
    assert gaussian >= crossings + 8  # 13 vs 2 here


def _small_campaign(seed: int):
    # The product bench's shape at 25 per slice: a Sunday afternoon campaign of two
    # slices at x2.
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-02-05", periods=35 * 96, freq="15min")  # a Monday
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    mean = 25 * (0.55 + 0.45 * np.clip(np.sin((hour - 6) / 18 * np.pi), 0, None) ** 1.5)
    mean *= np.where(ts.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    at = 34 * 96 + 64
    mean[at : at + 2] *= 2.0
    return rng.poisson(mean).astype(float), ts, at


@pytest.mark.parametrize("seed", [11, 18, 29])
def test_a_small_campaign_below_the_count_bar_alerts_on_the_spike_bar(seed):
    x, ts, at = _small_campaign(seed)
    alert = get_detector("default").fit_detect(x, ts).alert
    assert alert[at : at + 6].any()
    assert not alert[14 * 96 : at].any()  # and nothing before it
    assert not get_detector("default", spike_z=0.0).fit_detect(x, ts).alert[at : at + 6].any()


def test_a_negative_spike_bar_is_refused_like_other_settings():
    from applens.errors import InvalidParameterError

    x, ts, _ = _small_campaign(11)
    with pytest.raises(InvalidParameterError, match="'spike_z'"):
        get_detector("default", spike_z=-1.0).fit(x, ts)


def test_a_spike_bar_at_or_above_count_z_or_with_the_count_view_off_is_inert():
    # The two-slice run already counts against count_z, so a spike bar at or above it
    # adds nothing; count_z 0 turns the whole count view off, the spike bar with it.
    x, ts, _ = _small_campaign(11)

    def score(**params):
        return get_detector("default", **params).fit_detect(x, ts).score

    off = score(spike_z=0.0)
    assert not np.array_equal(score(spike_z=4.0), off)  # the bar does something below ...
    np.testing.assert_array_equal(score(spike_z=4.5), off)  # ... and nothing at count_z
    np.testing.assert_array_equal(score(spike_z=6.0), off)
    np.testing.assert_array_equal(score(count_z=0.0, spike_z=4.0),
                                  score(count_z=0.0, spike_z=0.0))
