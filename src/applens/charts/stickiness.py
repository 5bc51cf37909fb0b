"""Stickiness: how many days (intervals) people were active, and DAU/MAU over time."""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import HEIGHT, WIDTH, frame_of, needs, period_axis, to_dates

__all__ = ["dau_mau_chart", "stickiness_chart"]


def stickiness_chart(data: Any, *, title: str = "Stickiness: intervals active") -> alt.Chart:
    """Bars of actors per number of active intervals, from a ``stickiness`` Result or a frame
    with ``intervals`` and ``actors``."""
    frame = frame_of(data, "stickiness")
    needs(frame, ["intervals", "actors"], "stickiness")
    total = frame["actors"].sum()
    frame["share"] = frame["actors"] / total if total else 0.0
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("intervals:O", title="intervals active"),
        y=alt.Y("actors:Q", title="users"),
        tooltip=["intervals:O", alt.Tooltip("actors:Q", format=","),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=WIDTH, height=HEIGHT)


def dau_mau_chart(data: Any, *, title: str = "Stickiness: DAU / MAU") -> alt.Chart:
    """DAU/MAU per period from an ``active_users`` Result (or frame) with dau and mau."""
    frame = frame_of(data, "active_users")
    needs(frame, ["period", "dau", "mau"], "DAU/MAU")
    frame["dau_mau"] = (frame["dau"] / frame["mau"].where(frame["mau"] > 0)).fillna(0.0)
    frame["period"] = to_dates(frame["period"])
    axis = period_axis(frame)
    return alt.Chart(frame, title=title).mark_line(point=True).encode(
        x=alt.X(f"period:{axis}", title=None),
        y=alt.Y("dau_mau:Q", title="DAU / MAU", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip(f"period:{axis}"), alt.Tooltip("dau_mau:Q", format=".1%"),
                 alt.Tooltip("dau:Q", format=","), alt.Tooltip("mau:Q", format=",")],
    ).properties(width=WIDTH, height=HEIGHT)
