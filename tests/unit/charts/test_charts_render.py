"""Every chart family renders to PNG and SVG offline and encodes the fields it promises."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

from applens.charts import chart_spec, png_bytes, save_chart, svg_text
from applens.charts.activity import active_users_chart
from applens.charts.alerts import alert_timeline
from applens.charts.bots import bot_scatter
from applens.charts.breakdown import breakdown_chart
from applens.charts.completeness import completeness_heatmap
from applens.charts.crashes import crash_rate_chart
from applens.charts.experiment import effect_chart
from applens.charts.funnel import funnel_chart
from applens.charts.lifecycle import lifecycle_chart
from applens.charts.personas import persona_chart
from applens.charts.retention import retention_heatmap
from applens.charts.risk import risk_histogram
from applens.charts.stickiness import dau_mau_chart, stickiness_chart
from applens.errors import InvalidParameterError
from applens.insights.result import Result

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAYS = [f"2026-11-{d:02d}T00:00:00+00:00" for d in range(1, 8)]


def _active() -> Result:
    return Result("active_users", {"periods": DAYS, "dau": [10, 12, 11, 9, 14, 15, 13],
                                   "wau": [20, 22, 23, 24, 25, 26, 27],
                                   "mau": [40, 41, 42, 43, 44, 45, 46]})


def _retention() -> Result:
    return Result("retention", {
        "cohort_starts": DAYS[:3],
        "by_breakdown": {"ads": [[10, 4, 2], [8, 3, 0], [5, 0, 0]],
                         "organic": [[20, 12, 9], [0, 0, 0], [9, 6, 0]]},
    })


def _readout_frame() -> pd.DataFrame:
    return pd.DataFrame({"metric": ["ctr (b)", "likes (b)"], "lift": [0.05, -0.01],
                         "low": [0.02, -0.04], "high": [0.08, 0.02]})


CASES: dict[str, tuple[Callable[[], alt.TopLevelMixin], set[str]]] = {
    "active_users": (lambda: active_users_chart(_active()), {"period", "value", "metric"}),
    "dau_mau": (lambda: dau_mau_chart(_active()), {"period", "dau_mau"}),
    "stickiness": (lambda: stickiness_chart(Result(
        "stickiness", {"buckets": [1, 2, 3], "data": [30, 12, 5], "count": 47})),
        {"intervals", "actors"}),
    "lifecycle": (lambda: lifecycle_chart(Result("lifecycle", {
        "periods": DAYS[:3], "new": [5, 3, 4], "returning": [0, 4, 5],
        "resurrecting": [0, 1, 0], "dormant": [0, -2, -3]})), {"period", "users", "status"}),
    "retention": (lambda: retention_heatmap(_retention()), {"cohort", "period", "rate"}),
    "funnel": (lambda: funnel_chart(Result("funnel", {
        "step_counts": [100, 60, 15], "conversion_rates": [1.0, 0.6, 0.15],
        "median_conversion_seconds": [None, 10.0, 50.0],
        "average_conversion_seconds": [None, 12.0, 70.0]},
        {"steps": [{"event": "app_open"}, {"event": "view"}, {"event": "like"}]})),
        {"label", "count", "rate"}),
    "breakdown": (lambda: breakdown_chart(Result("active_users", {
        "periods": DAYS[:3], "by_breakdown": {"ads": {"dau": [3, 4, 5]},
                                              "organic": {"dau": [7, 8, 9]}}}),
        slice_title="source"), {"period", "dau", "breakdown"}),
    "experiment": (lambda: effect_chart(_readout_frame(), control="a", alpha=0.05),
                   {"metric", "lift", "low", "high"}),
    "crashes": (lambda: crash_rate_chart(pd.DataFrame({
        "app_version": ["4.9.0", "4.9.1"], "sessions": [1000, 800], "crashes": [10, 40]})),
        {"app_version", "rate", "low", "high"}),
    "bots": (lambda: bot_scatter(pd.DataFrame({
        "user_id": ["u1", "u2", "bot"], "events_per_day": [20.0, 35.0, 900.0],
        "median_gap_seconds": [40.0, 31.0, 3.0], "is_bot": [False, False, True]})),
        {"events_per_day", "median_gap_seconds", "suspected"}),
    "personas": (lambda: persona_chart(pd.DataFrame({
        "persona": ["lurker", "lurker", "chatter", "chatter"],
        "feature": ["views", "messages", "views", "messages"], "value": [50, 1, 20, 30]})),
        {"persona", "feature", "z"}),
    "completeness": (lambda: completeness_heatmap(pd.DataFrame({
        "day": ["2026-11-01", "2026-11-01", "2026-11-03"], "source": ["a.csv", "b.csv", "a.csv"],
        "rows": [100, 50, 90]})), {"day", "source", "rows"}),
    "alerts": (lambda: alert_timeline(pd.DataFrame({
        "monitor": ["dau", "dau", "crashes"], "series": ["Android", "iOS", None],
        "slice_start": ["2026-11-13T13:00:00", "2026-11-14T09:00:00", "2026-11-15T00:00:00"],
        "status": ["resolved", "open", "open"], "value": [10.0, 50.0, 9.0],
        "expected": [100.0, 80.0, 2.0], "deviation_pct": [-90.0, -37.5, 350.0]})),
        {"slice_start", "row", "status"}),
    "risk": (lambda: risk_histogram(pd.DataFrame({"score": [0.05, 0.1, 0.12, 0.7, 0.95]})),
             {"bin", "users"}),
}


def _fields(spec: Any) -> set[str]:
    """Every ``field`` named by an encoding anywhere in a Vega-Lite spec."""
    found: set[str] = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("field"), str):
            found.add(spec["field"])
        for key, value in spec.items():
            if key != "datasets":
                found |= _fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _fields(value)
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_chart_renders_to_png_and_svg_and_encodes_its_fields(name, tmp_path):
    build, fields = CASES[name]
    chart = build()
    spec = chart_spec(chart)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert fields <= _fields(spec), (name, _fields(spec))
    png = png_bytes(chart)
    assert png[:8] == PNG_MAGIC and len(png) > 3_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 200 and height > 100
    svg = svg_text(chart)
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    assert save_chart(chart, tmp_path / f"{name}.png").read_bytes()[:8] == PNG_MAGIC
    assert "<svg" in save_chart(chart, tmp_path / f"{name}.svg").read_text()


def _data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """All inline data rows of a spec (Altair puts them in ``datasets``)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_lifecycle_puts_dormant_below_the_axis_whatever_its_sign():
    frame = pd.DataFrame({"period": ["w1", "w2"], "new": [3, 4], "dormant": [2, -5]})
    rows = _data(chart_spec(lifecycle_chart(frame)))
    dormant = [r["users"] for r in rows if r["status"] == "dormant"]
    assert dormant == [-2, -5]
    assert all(r["users"] >= 0 for r in rows if r["status"] == "new")


def test_retention_panels_side_by_side_with_rates_per_cohort():
    spec = chart_spec(retention_heatmap(_retention()))
    assert spec["facet"]["column"]["field"] == "breakdown"
    rows = _data(spec)
    ads = {(r["cohort"], r["period"]): r["rate"] for r in rows if r["breakdown"] == "ads"}
    assert ads[("2026-11-01", 1)] == pytest.approx(0.4)
    assert ads[("2026-11-02", 2)] == 0.0
    assert not [r for r in rows if r["breakdown"] == "organic" and r["cohort"] == "2026-11-02"]


def test_funnel_labels_steps_from_the_spec_and_rates_from_the_first_step():
    _, _ = CASES["funnel"]
    rows = _data(chart_spec(CASES["funnel"][0]()))
    assert [r["label"] for r in rows] == ["1. app_open", "2. view", "3. like"]
    assert [r["rate"] for r in rows] == pytest.approx([1.0, 0.6, 0.15])
    assert [r["step_rate"] for r in rows] == pytest.approx([1.0, 0.6, 0.25])


def test_crash_rate_has_wilson_intervals_that_contain_the_rate():
    rows = _data(chart_spec(CASES["crashes"][0]()))
    by = {r["app_version"]: r for r in rows if "app_version" in r}
    assert by["4.9.1"]["rate"] == pytest.approx(0.05)
    assert by["4.9.1"]["low"] < 0.05 < by["4.9.1"]["high"]
    # Wilson 95% for 40/800, worked by hand: centre 0.05215, half-width 0.01522
    assert by["4.9.1"]["low"] == pytest.approx(0.03693, abs=1e-4)
    assert by["4.9.1"]["high"] == pytest.approx(0.06737, abs=1e-4)


def test_completeness_fills_missing_days_with_zero():
    rows = _data(chart_spec(CASES["completeness"][0]()))
    cells = {(r["day"], r["source"]): r["rows"] for r in rows}
    assert cells[("2026-11-02", "a.csv")] == 0  # the gap is drawn, not dropped
    assert cells[("2026-11-03", "b.csv")] == 0
    assert len(cells) == 6


def test_bot_scatter_keeps_every_bot_when_sampling_many_users():
    rng = np.random.default_rng(0)
    n = 6_000
    frame = pd.DataFrame({"user_id": [f"u{i}" for i in range(n)],
                          "events_per_day": rng.gamma(2, 10, n),
                          "median_gap_seconds": rng.gamma(2, 20, n),
                          "is_bot": np.arange(n) < 25})
    spec = chart_spec(bot_scatter(frame))
    rows = _data(spec)
    assert len(rows) <= 4_000
    assert sum(r["suspected"] == "bot" for r in rows) == 25


def test_old_effect_chart_import_still_works():
    from applens.experiments.chart import effect_chart as old
    from applens.experiments.chart import save_chart as old_save

    assert old is effect_chart and old_save is save_chart


def test_a_result_of_the_wrong_kind_is_a_clear_error():
    with pytest.raises(InvalidParameterError, match="'lifecycle' result; got a 'active_users'"):
        lifecycle_chart(_active())
    with pytest.raises(InvalidParameterError, match="needs column"):
        crash_rate_chart(pd.DataFrame({"app_version": ["1"], "crashes": [1]}))


def test_user_data_in_a_spec_is_data_not_markup():
    frame = pd.DataFrame({"breakdown": ["<script>alert(1)</script>", "ok"], "users": [3, 4]})
    spec = chart_spec(breakdown_chart(frame))
    assert "<script>alert(1)</script>" in json.dumps(spec)  # escaping is the page's job
    assert svg_text(breakdown_chart(frame)).count("<script>") == 0
