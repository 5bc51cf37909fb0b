"""``detect_many`` (many series in one detector call) gives what one call per series gives.

If a detector change makes a row read further back than ``batch._gap_rows`` allows, or
read the series from its start, these fail: batched and per-series results differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from applens.anomalies.batch import detect_many
from applens.anomalies.registry import get_detector


def _daily(seed: int, days: int, level: float, *, start: str = "2021-01-04") -> tuple:
    rng = np.random.default_rng(seed)
    week = np.array([1.0, 1.1, 1.05, 1.0, 0.9, 0.4, 0.3])
    mean = level * week[np.arange(days) % 7]
    values = rng.poisson(mean).astype(float)
    stamps = pd.date_range(start, periods=days, freq="D").to_numpy()
    return values, stamps


def _series() -> list[tuple]:
    out = [_daily(s, 150 + 37 * s, 40.0 * (s + 1)) for s in range(5)]
    spike, stamps = _daily(11, 240, 80.0)
    spike[120] *= 6  # an incident
    spike[200:] = 0  # and an outage at the end
    out.append((spike, stamps))
    shift, stamps = _daily(12, 300, 30.0, start="2020-06-01")
    shift[150:] *= 3  # a level shift
    out.append((shift, stamps))
    out.append(_daily(13, 20, 50.0))  # too short to be judged at all
    out.append(_daily(14, 1, 50.0))  # one row: no cadence, judged alone
    values, stamps = _daily(15, 120, 60.0)
    out.append((values + 0.5, stamps))  # not counts: judged alone
    values, stamps = _daily(16, 120, 60.0)
    out.append((np.delete(values, 40), np.delete(stamps, 40)))  # a gap: judged alone
    return out


@pytest.mark.parametrize("name,params", [
    ("default", {}), ("default", {"min_volume": 10.0}), ("default", {"memory": 30}),
    ("default", {"cooldown": 400}),  # an alert's cooldown must not silence the next series
    ("seasonal", {}), ("levelshift", {}), ("simple", {})])
def test_batched_results_equal_one_call_per_series(name, params):
    detector = get_detector(name, **params)
    series = _series()
    alone = [detector.clone().fit_detect(v, t) for v, t in series]
    together = detect_many(detector, series)
    assert len(together) == len(alone)
    for a, b in zip(alone, together, strict=True):
        pd.testing.assert_frame_equal(b.to_frame(), a.to_frame())
        assert (b.detector, b.note) == (a.detector, a.note)
    # Not vacuous: the planted incident alerts, and later rows are judged.
    assert together[5].alert.any() or name == "simple"
    assert together[0].judged.any()
