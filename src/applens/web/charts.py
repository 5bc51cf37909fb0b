"""Stand-in Altair charts for the dashboard, built from insight results.

Each function takes the page's data frame and returns a Vega-Lite spec (a dict) or None
when there is nothing to draw.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

__all__ = ["active_users", "breakdown", "completeness", "crash_rate", "effects",
           "funnel", "hourly_with_alerts", "lifecycle", "retention", "score_histogram",
           "stickiness"]

WIDTH = "container"


def _spec(chart: alt.TopLevelMixin | None) -> dict[str, Any] | None:
    return None if chart is None else chart.to_dict()


def active_users(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    long = frame.melt(id_vars="period", var_name="metric", value_name="users")
    return _spec(alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("period:T", title=None), y=alt.Y("users:Q", title="users"),
        color=alt.Color("metric:N", title=None),
        tooltip=["period:T", "metric:N", alt.Tooltip("users:Q", format=",")],
    ).properties(width=WIDTH, height=260))


def stickiness(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    return _spec(alt.Chart(frame).mark_bar().encode(
        x=alt.X("intervals:O", title="active days in the range"),
        y=alt.Y("actors:Q", title="users"), tooltip=["intervals", "actors"],
    ).properties(width=WIDTH, height=220))


def breakdown(frame: pd.DataFrame, by: str) -> dict[str, Any] | None:
    if not len(frame):
        return None
    return _spec(alt.Chart(frame).mark_line().encode(
        x=alt.X("period:T", title=None), y=alt.Y("events:Q", title="events"),
        color=alt.Color("breakdown:N", title=by),
        tooltip=["period:T", "breakdown:N", alt.Tooltip("events:Q", format=",")],
    ).properties(width=WIDTH, height=260))


def retention(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    long = frame.melt(id_vars="cohort_start", var_name="period", value_name="users")
    long["period"] = long["period"].str.removeprefix("period_").astype(int)
    size = long[long["period"] == 0].set_index("cohort_start")["users"]
    long["share"] = (long["users"] / long["cohort_start"].map(size).where(lambda s: s > 0)).round(4)
    long["cohort_start"] = long["cohort_start"].str[:10]
    base = alt.Chart(long).encode(
        x=alt.X("period:O", title="days since first seen"),
        y=alt.Y("cohort_start:O", title="cohort"))
    heat = base.mark_rect().encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        title="retained"),
        tooltip=["cohort_start", "period", "users", alt.Tooltip("share:Q", format=".1%")])
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("black")))
    return _spec((heat + text).properties(width=WIDTH, height=260))


def lifecycle(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    long = frame.melt(id_vars="period", var_name="status", value_name="users")
    return _spec(alt.Chart(long).mark_bar().encode(
        x=alt.X("period:T", title=None), y=alt.Y("users:Q", title="users (dormant below 0)"),
        color=alt.Color("status:N", scale=alt.Scale(
            domain=["new", "returning", "resurrecting", "dormant"],
            range=["#4c78a8", "#54a24b", "#f58518", "#e45756"])),
        tooltip=["period:T", "status:N", "users:Q"],
    ).properties(width=WIDTH, height=260))


def funnel(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    data = frame.copy()
    data["label"] = [f"{i + 1}. {e}" for i, e in zip(data["step"], data.get("event", data["step"]),
                                                      strict=True)]
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=None, title=None), x=alt.X("step_count:Q", title="users"))
    bars = base.mark_bar().encode(tooltip=["label", "step_count", alt.Tooltip(
        "conversion_rate:Q", format=".1%")])
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("conversion_rate:Q",
                                                                    format=".1%"))
    return _spec((bars + text).properties(width=WIDTH, height=40 * len(data) + 40))


def effects(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    data = frame.assign(label=frame["readout"] + " · " + frame["metric"].astype(str) + " "
                        + frame["treatment"].astype(str) + " vs " + frame["control"].astype(str))
    base = alt.Chart(data).encode(y=alt.Y("label:N", title=None))
    rule = base.mark_rule().encode(x=alt.X("ci_low:Q", title="difference (treatment - control)"),
                                   x2="ci_high:Q")
    point = base.mark_point(filled=True, size=80).encode(
        x="difference:Q", tooltip=["label", "difference", "ci_low", "ci_high", "p_value"])
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return _spec((rule + point + zero).properties(width=WIDTH, height=60 * len(data) + 40))


def hourly_with_alerts(frame: pd.DataFrame, alerts: pd.DataFrame | None
                       ) -> dict[str, Any] | None:
    if not len(frame):
        return None
    line = alt.Chart(frame).mark_line().encode(
        x=alt.X("hour:T", title=None), y=alt.Y("events:Q", title="events per hour"),
        tooltip=["hour:T", "events:Q"])
    chart: alt.TopLevelMixin = line
    when = next((c for c in ("slot", "slice_start", "opened_at") if alerts is not None
                 and c in alerts.columns), None)
    if alerts is not None and len(alerts) and when is not None:
        stamps = pd.to_datetime(alerts[when], utc=True).dt.tz_localize(None)
        marks = alerts.assign(slot=stamps.dt.floor("h"))
        counts = marks.groupby("slot").size().rename("alerts").reset_index()
        chart = line + alt.Chart(counts).mark_rule(color="#e45756", opacity=0.6).encode(
            x="slot:T", tooltip=["slot:T", "alerts:Q"])
    return _spec(chart.properties(width=WIDTH, height=260))


def crash_rate(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    base = alt.Chart(frame).encode(x=alt.X("app_version:N", title="app version", sort=None))
    bars = base.mark_bar().encode(
        y=alt.Y("crash_rate:Q", title="sessions with a crash", axis=alt.Axis(format="%")),
        tooltip=["app_version", "sessions", "crashes",
                 alt.Tooltip("crash_rate:Q", format=".2%")])
    chart: alt.TopLevelMixin = bars
    if "ci_low" in frame.columns:
        chart = bars + base.mark_rule().encode(y="ci_low:Q", y2="ci_high:Q")
    return _spec(chart.properties(width=WIDTH, height=240))


def score_histogram(frame: pd.DataFrame, title: str) -> dict[str, Any] | None:
    if not len(frame) or "score" not in frame.columns:
        return None
    data = frame[["score"]].astype(float)
    return _spec(alt.Chart(data).mark_bar().encode(
        x=alt.X("score:Q", bin=alt.Bin(maxbins=30), title=f"{title} score"),
        y=alt.Y("count():Q", title="entities"),
    ).properties(width=WIDTH, height=200))


def completeness(frame: pd.DataFrame) -> dict[str, Any] | None:
    if not len(frame):
        return None
    return _spec(alt.Chart(frame).mark_rect().encode(
        x=alt.X("day:O", title=None), y=alt.Y("column:N", title=None),
        color=alt.Color("filled:Q", scale=alt.Scale(scheme="greens", domain=[0, 1]),
                        title="filled"),
        tooltip=["day", "column", alt.Tooltip("filled:Q", format=".1%"), "rows"],
    ).properties(width=WIDTH, height=alt.Step(16)))
