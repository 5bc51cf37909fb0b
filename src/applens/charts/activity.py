"""Active users over time: DAU, rolling WAU and MAU as lines."""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import HEIGHT, WIDTH, frame_of, needs, period_axis, to_dates

__all__ = ["active_users_chart"]

MATHS = ("dau", "wau", "mau", "total", "unique_sessions", "per_user_avg")


def active_users_chart(data: Any, *, title: str = "Active users") -> alt.Chart:
    """Lines per metric from an ``active_users`` Result or a frame with ``period`` and any of
    the columns dau / wau / mau (wide), or ``period, metric, value`` (tidy)."""
    frame = frame_of(data, "active_users")
    needs(frame, ["period"], "active users")
    if not {"metric", "value"} <= set(frame.columns):
        maths = [m for m in MATHS if m in frame.columns]
        needs(frame, maths or ["dau"], "active users")
        frame = frame.melt(id_vars=["period"], value_vars=maths, var_name="metric",
                           value_name="value")
    frame["period"] = to_dates(frame["period"])
    axis = period_axis(frame)
    return alt.Chart(frame, title=title).mark_line(point=True).encode(
        x=alt.X(f"period:{axis}", title=None),
        y=alt.Y("value:Q", title="users"),
        color=alt.Color("metric:N", title=None, sort=list(MATHS)),
        tooltip=[alt.Tooltip(f"period:{axis}"), "metric:N", alt.Tooltip("value:Q", format=",")],
    ).properties(width=WIDTH, height=HEIGHT)
