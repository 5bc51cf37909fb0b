"""report.json is strict JSON whatever a section's numbers hold (NaN, dates, NA, sets)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from applens.report._model import Figure, Period, Section
from applens.report.build import Report, write_report
from tests.unit.test_serialize import every_dtype_frame, strict_loads


def test_report_json_is_strict_with_nan_dates_and_na(workspace, tmp_path):
    section = Section(
        key="odd", title="Odd numbers",
        figures=[Figure("p-value", float("nan"), "n/a")],
        data={"nan": float("nan"), "inf": np.float64("inf"),
              "when": np.datetime64("2026-11-01T00:00:00.000000000"), "nat": pd.NaT,
              "na": pd.NA, "gap": pd.Timedelta(minutes=30), "money": Decimal("12.50"),
              "slices": {"ios", "android"}, "frame": every_dtype_frame()})
    report = Report(workspace_name="ws", workspace_path=str(workspace.path), timezone="UTC",
                    period=Period(dt.date(2026, 11, 1), dt.date(2026, 11, 7)),
                    sections=[section])
    files = write_report(workspace, report, tmp_path / "out", png=False)
    data = strict_loads(files.json.read_text(encoding="utf-8"))["sections"][0]
    assert data["figures"][0]["value"] is None
    odd = data["data"]
    assert odd["nan"] is None and odd["inf"] is None and odd["na"] is None
    assert odd["when"] == "2026-11-01T00:00:00" and odd["nat"] is None
    assert pd.Timedelta(odd["gap"]) == pd.Timedelta(minutes=30)
    assert odd["money"] == 12.5 and odd["slices"] == ["android", "ios"]
    assert odd["frame"][1]["aware"] is None and odd["frame"][2]["Int64"] == 3
