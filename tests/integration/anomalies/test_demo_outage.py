"""Regression: the demo's planted outage on a bursty os/app_version slice (lead's case)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from applens.anomalies import get_detector
from applens.demo import generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    generate(tmp, users=5000, days=35, seed=0, end_date=dt.date(2026, 11, 22))
    return tmp


def test_demo_outage_slice_alerts_once_near_the_start(demo):
    truth = json.loads(next(demo.rglob("ground_truth.json")).read_text())["outage"]
    events = next(demo.rglob("events*.parquet"))
    frame = duckdb.sql(
        f"select time_bucket(INTERVAL 15 MINUTE, ts) slot, count(*) n from '{events}' "
        f"where os = '{truth['os']}' and app_version = '{truth['app_version']}' "
        "group by all order by 1"
    ).df()
    s = frame.set_index("slot")["n"].asfreq("15min", fill_value=0)
    d = get_detector("default", min_volume=20, min_abs_change=10).fit_detect(
        s.to_numpy(float), s.index.to_numpy()
    )
    start = pd.Timestamp(truth["start"]).tz_localize(None)
    end = pd.Timestamp(truth["end"]).tz_localize(None)
    stamps = s.index.tz_localize(None) if s.index.tz is not None else s.index
    inside = d.alert & (stamps >= start) & (stamps < end)
    assert inside.sum() == 1
    first = stamps[np.flatnonzero(inside)[0]]
    assert first - start <= pd.Timedelta(hours=1, minutes=30)
