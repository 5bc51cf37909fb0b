"""Data completeness: rows per day for each source or table; gaps show as pale cells."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from applens.charts._common import WIDTH, frame_of, needs

__all__ = ["completeness_heatmap"]


def completeness_heatmap(data: Any, *, source: str = "source",
                         title: str = "Data completeness: rows per day") -> alt.Chart:
    """Heatmap day × ``source`` coloured by ``rows``; days with no rows for a source are
    filled in as 0 so a missing day is visible, not silently absent."""
    frame = frame_of(data)
    needs(frame, ["day", source, "rows"], "completeness")
    frame = frame[["day", source, "rows"]].copy()
    frame["day"] = pd.to_datetime(frame["day"]).dt.normalize()
    frame[source] = frame[source].astype(str)
    frame = frame.groupby(["day", source], as_index=False)["rows"].sum()
    if len(frame):
        days = pd.date_range(frame["day"].min(), frame["day"].max(), freq="D")
        full = pd.MultiIndex.from_product([days, sorted(frame[source].unique())],
                                          names=["day", source])
        frame = frame.set_index(["day", source]).reindex(full, fill_value=0).reset_index()
    frame["day"] = frame["day"].dt.strftime("%Y-%m-%d")
    sources = frame[source].nunique()
    return alt.Chart(frame, title=title).mark_rect().encode(
        x=alt.X("day:O", title=None, axis=alt.Axis(labelAngle=-60)),
        y=alt.Y(f"{source}:N", title=source),
        color=alt.Color("rows:Q", title="rows", scale=alt.Scale(scheme="greens")),
        tooltip=["day:O", f"{source}:N", alt.Tooltip("rows:Q", format=",")],
    ).properties(width=WIDTH, height=max(24 * sources, 40))
