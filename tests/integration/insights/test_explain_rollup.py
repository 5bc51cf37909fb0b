"""A count or a ratio is explained from one grouped query rolled up in pandas; the numbers
are the same as grouping every dimension set in the warehouse (the path for many groups)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from applens.ingest import ingest
from applens.insights import explain as explain_module
from applens.insights.explain import explain


@pytest.fixture
def ws(workspace, tmp_path):
    rows = []
    for day, drop in (("2026-09-01", 0), ("2026-09-08", 1)):
        for i in range(300):
            os_ = ["Android", "iOS", None][i % 3]
            version = ["5.0", "4.9", ""][i % 5 % 3]
            source = ["ads", "organic"][i % 2]
            if drop and os_ == "Android" and version == "5.0" and i % 4:
                continue  # the drop: most of Android 5.0's events on the 8th
            event = "like" if i % 7 == 0 else "view"
            rows.append({"ts": f"{day} 10:{i % 60:02d}:00", "user_id": f"u{i % 90}",
                         "event": event, "os": os_, "app_version": version, "source": source})
    pd.DataFrame(rows).to_csv(tmp_path / "e.csv", index=False)
    ingest(workspace, str(tmp_path / "e.csv"))
    return workspace


@pytest.mark.parametrize("metric", ["events", "count:view", "ratio:like/view"])
def test_the_rolled_up_slices_equal_one_query_per_dimension_set(ws, metric, monkeypatch):
    by = ["os", "app_version", "source"]
    rolled = explain(ws, metric, dt.date(2026, 9, 8), by=by).to_frame()
    monkeypatch.setattr(explain_module, "_FINEST_ROWS", 0)  # forces the per-set queries
    direct = explain(ws, metric, dt.date(2026, 9, 8), by=by).to_frame()
    assert len(rolled) == len(direct) > 10
    assert "os=(none)" in set(rolled["slice"])  # missing values are a slice of their own
    pd.testing.assert_frame_equal(rolled.sort_values("slice").reset_index(drop=True),
                                  direct.sort_values("slice").reset_index(drop=True),
                                  check_dtype=False)
