"""Breakdowns: one metric per slice (os, source, app_version …) over time or as bars."""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import (
    HEIGHT,
    LABEL_LIMIT,
    WIDTH,
    frame_of,
    needs,
    period_axis,
    to_dates,
)

__all__ = ["breakdown_chart"]


def breakdown_chart(data: Any, *, metric: str | None = None, title: str | None = None,
                    slice_title: str = "slice") -> alt.Chart:
    """Lines per slice (``period, breakdown, <metric>``) or, with one period or no period
    column, bars per slice. Takes a broken-down Result (active users / trends) or a frame;
    ``metric`` defaults to the first numeric column."""
    frame = frame_of(data)
    needs(frame, ["breakdown"], "breakdown")
    if metric is None:
        numeric = [c for c in frame.columns
                   if c not in ("breakdown", "period") and frame[c].dtype.kind in "iuf"]
        needs(frame, numeric[:1] or ["<a numeric metric>"], "breakdown")
        metric = numeric[0]
    needs(frame, [metric], "breakdown")
    frame = frame[[c for c in ("period", "breakdown", metric) if c in frame.columns]].copy()
    frame["breakdown"] = frame["breakdown"].astype(str)
    title = title or f"{metric} by {slice_title}"
    colour = alt.Color("breakdown:N", title=slice_title,
                       legend=alt.Legend(labelLimit=LABEL_LIMIT))
    if "period" in frame.columns and frame["period"].nunique() > 1:
        frame["period"] = to_dates(frame["period"])
        axis = period_axis(frame)
        return alt.Chart(frame, title=title).mark_line(point=True).encode(
            x=alt.X(f"period:{axis}", title=None),
            y=alt.Y(f"{metric}:Q", title=metric),
            color=colour,
            tooltip=[alt.Tooltip(f"period:{axis}"), "breakdown:N",
                     alt.Tooltip(f"{metric}:Q", format=",.4~g")],
        ).properties(width=WIDTH, height=HEIGHT)
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X(f"{metric}:Q", title=metric),
        y=alt.Y("breakdown:N", title=slice_title, sort="-x",
                axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        color=alt.Color("breakdown:N", legend=None),  # the axis already names each bar
        tooltip=["breakdown:N", alt.Tooltip(f"{metric}:Q", format=",.4~g")],
    ).properties(width=WIDTH, height=max(22 * frame["breakdown"].nunique(), 60))
