"""Detectors on a daily series (issue 20 item 7): the grain comes from the timestamps, a
year of days is judged (not 388 rows of warm-up), and a short history says so.

The series is real: daily distinct customers of the UCI Online Retail shop, 2010-12-01 to
2011-12-09 (374 days, closed on Saturdays and over Christmas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from applens.anomalies import get_detector
from tests.conftest import SHARED_DATA

CALIBRATED = ["default", "seasonal", "levelshift"]


@pytest.fixture(scope="module")
def dau():
    raw = pd.read_parquet(
        SHARED_DATA / "online_retail" / "online_retail_2010_2011_no_invoice.parquet",
        columns=["InvoiceDate", "CustomerID", "Quantity"])
    raw = raw[(raw.Quantity > 0) & raw.CustomerID.notna()]
    daily = raw.groupby(raw.InvoiceDate.dt.floor("D")).CustomerID.nunique()
    days = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    return daily.reindex(days, fill_value=0).astype(float)


@pytest.mark.parametrize("name", CALIBRATED)
def test_a_year_of_days_is_judged(dau, name):
    assert len(dau) == 374
    d = get_detector(name).fit_detect(dau.to_numpy(), dau.index)
    frame = d.to_frame()
    judged = frame[frame.status == "judged"]
    assert len(judged) >= 300  # was: every row scored 0 with an empty band
    assert (judged.anomaly_score > 0).mean() > 0.8
    assert judged.lower.notna().mean() > 0.9 and judged.upper.notna().mean() > 0.9
    assert "daily series" in d.note
    assert d.alert.sum() < 0.06 * len(dau)  # alerts stay rare on real data


def _new_alerts(name, series, baseline):
    before = set(np.flatnonzero(get_detector(name).fit_detect(baseline, series.index).alert))
    after = get_detector(name).fit_detect(series.to_numpy(), series.index).alert
    return sorted(set(np.flatnonzero(after)) - before)


@pytest.mark.parametrize("name", ["default", "seasonal"])
def test_an_injected_spike_is_found_on_its_day(dau, name):
    spiked = dau.copy()
    spiked.iloc[280] *= 3  # a Thursday in September: three times the usual customers
    assert 280 in _new_alerts(name, spiked, dau.to_numpy())


@pytest.mark.parametrize("name", ["default", "levelshift"])
@pytest.mark.parametrize("factor", [0.4, 1.8])
def test_an_injected_level_shift_is_found_within_two_weeks(dau, name, factor):
    shifted = dau.copy()
    shifted.iloc[240:] *= factor
    found = [i for i in _new_alerts(name, shifted, dau.to_numpy()) if 240 <= i < 254]
    assert found, f"{name} missed a x{factor} level shift"


@pytest.mark.parametrize("name", [*CALIBRATED, "simple"])
def test_a_short_history_says_so_instead_of_zeros(dau, name):
    short = dau.iloc[:20]
    d = get_detector(name).fit_detect(short.to_numpy(), short.index)
    frame = d.to_frame()
    if name == "simple":  # needs only n rows
        assert (frame.status == "judged").sum() == 20 - get_detector("simple").n
        return
    assert (frame.status == "history too short").all()
    assert "too short" in d.note and "no row is judged" in d.note


def test_the_grain_is_read_from_the_timestamps(dau):
    for step, label in [("15min", "15-minute"), ("h", "hourly"), ("D", "daily"),
                        ("W", "weekly")]:
        ts = pd.date_range("2024-01-01", periods=60, freq=step)
        assert get_detector().fit(np.ones(60), ts).grain_ == label
