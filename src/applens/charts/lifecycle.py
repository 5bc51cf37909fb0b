"""Lifecycle: new, returning and resurrecting users stacked above the axis, dormant below."""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import HEIGHT, WIDTH, frame_of, needs, period_axis, to_dates

__all__ = ["STATUS_COLOURS", "lifecycle_chart"]

STATUS_COLOURS = {"new": "#2ca02c", "returning": "#1f77b4", "resurrecting": "#9467bd",
                  "dormant": "#d62728"}


def lifecycle_chart(data: Any, *, title: str = "Lifecycle") -> alt.Chart:
    """Stacked bars per period from a ``lifecycle`` Result or a frame with ``period`` and the
    status columns; dormant counts are drawn negative (below the axis) whatever their sign."""
    frame = frame_of(data, "lifecycle")
    statuses = [s for s in STATUS_COLOURS if s in frame.columns]
    needs(frame, ["period", *(statuses or ["new"])], "lifecycle")
    frame = frame.melt(id_vars=["period"], value_vars=statuses, var_name="status",
                       value_name="users")
    dormant = frame["status"] == "dormant"
    frame.loc[dormant, "users"] = -frame.loc[dormant, "users"].abs()
    frame["period"] = to_dates(frame["period"])
    axis = period_axis(frame)
    x = alt.X(f"period:{axis}", title=None)
    if axis == "T":
        x = alt.X("yearmonthdate(period):O", title=None, axis=alt.Axis(labelAngle=-45))
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=x,
        y=alt.Y("users:Q", title="users", stack="zero"),
        color=alt.Color("status:N", title=None,
                        scale=alt.Scale(domain=list(STATUS_COLOURS),
                                        range=list(STATUS_COLOURS.values()))),
        tooltip=[alt.Tooltip(f"period:{axis}"), "status:N", alt.Tooltip("users:Q", format=",")],
    ).properties(width=WIDTH, height=HEIGHT)
