"""Retention cells for periods after the data ends are not yet observable: null in the result,
empty in CSV and tables, blank in the heatmap (was: 0, read as "nobody came back")."""

from __future__ import annotations

import io

import pandas as pd

from applens.charts.retention import retention_frame
from applens.ingest import ingest
from applens.insights import query


def test_periods_after_the_data_ends_are_null_not_zero(workspace, tmp_path):
    rows = []
    for day in range(10):  # 2026-09-01 .. 2026-09-10, 5 new users a day, all back daily
        for user in range(5 * (day + 1)):
            rows.append((f"u{user}", f"2026-09-{day + 1:02d}T12:00:00", "open"))
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["user_id", "ts", "event"]).to_csv(path, index=False)
    ingest(workspace, path)
    result = query({"kind": "retention", "interval": "day", "total_intervals": 5,
                    "retention_type": "first_time", "date_from": "2026-09-01",
                    "date_to": "2026-09-10"}, workspace)
    counts = result.data["counts"]
    assert counts[0] == [5, 5, 5, 5, 5]  # observable numbers are as before
    assert counts[8] == [5, 5, None, None, None]  # 09-09: day 1 is 09-10, day 2 is not yet
    assert counts[9][1:] == [None] * 4 and counts[9][0] == 5
    assert result.data["percentages"][8] == [100.0, 100.0, None, None, None]
    csv = result.to_frame().to_csv(index=False)
    last = pd.read_csv(io.StringIO(csv)).iloc[9]
    assert pd.isna(last["period_1"]) and pd.isna(last["period_1_pct"])
    frame = retention_frame(result)
    assert frame[(frame["cohort"] == "2026-09-10") & (frame["period"] == 1)]["rate"].isna().all()
