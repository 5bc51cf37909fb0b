"""Retention heatmap: share of each cohort still active k periods later; one panel per
breakdown value side by side (for example ads vs organic)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from applens.charts._common import frame_of, needs

__all__ = ["retention_frame", "retention_heatmap"]


def retention_frame(result: Any) -> pd.DataFrame:
    """A ``retention`` Result as a tidy frame: breakdown (if any), cohort, size, period,
    retained, rate. Cohorts of size 0 are left out."""
    data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    grids = data.get("by_breakdown") or {None: data.get("counts", [])}
    rows = []
    for label, grid in grids.items():
        for start, counts in zip(data["cohort_starts"], grid, strict=False):
            if not counts or not counts[0]:
                continue
            for k, retained in enumerate(counts):
                row = {"cohort": str(start)[:10], "size": counts[0], "period": k,
                       "retained": retained,  # None: not yet observable
                       "rate": None if retained is None else retained / counts[0]}
                if label is not None:
                    row["breakdown"] = str(label)
                rows.append(row)
    columns = ["cohort", "size", "period", "retained", "rate"]
    frame = pd.DataFrame(rows, columns=(["breakdown"] if len(grids) > 1 or None not in grids
                                        else []) + columns)
    return frame


def retention_heatmap(data: Any, *, title: str = "Retention by cohort",
                      period_label: str = "period") -> alt.Chart:
    """Cohort (rows) × period (columns), colour = retention rate, text = rate. Takes a
    ``retention`` Result or a frame from ``retention_frame``; a ``breakdown`` column gives
    one panel per value, side by side."""
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
    else:
        frame_of(data, "retention")  # checks the kind
        frame = retention_frame(data)
    needs(frame, ["cohort", "period", "rate"], "retention")
    rate = pd.to_numeric(frame["rate"], errors="coerce")  # None: a period not yet observable
    frame["label"] = [f"{r:.0%}" if r == r else "" for r in rate]
    cohorts = len(frame["cohort"].unique())
    periods = len(frame["period"].unique())
    base = alt.Chart(frame).encode(
        x=alt.X("period:O", title=period_label),
        y=alt.Y("cohort:O", title="cohort"),
    )
    tooltip = ["cohort:O", "period:O", alt.Tooltip("rate:Q", format=".1%")]
    tooltip += [c for c in ("size:Q", "retained:Q", "breakdown:N")
                if c.split(":")[0] in frame.columns]
    cells = base.mark_rect().encode(
        color=alt.Color("rate:Q", title="retained", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=9).encode(
        text="label:N",
        color=alt.condition("datum.rate > 0.5", alt.value("white"), alt.value("black")),
    )
    layered = alt.layer(cells, text).properties(width=max(32 * periods, 160),  # fits "100%"
                                                height=max(16 * cohorts, 80))
    if "breakdown" in frame.columns:
        return layered.facet(column=alt.Column("breakdown:N", title=None)).properties(title=title)
    return layered.properties(title=title)
