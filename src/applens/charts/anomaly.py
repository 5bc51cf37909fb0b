"""The alert chart: a metric over the last days, its expected band and the anomalous slices."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

__all__ = ["anomaly_chart", "anomaly_grid"]


def anomaly_chart(frame: pd.DataFrame, title: str, *, width: int = 560, height: int = 160
                  ) -> alt.LayerChart:
    """``frame`` has ``slice_start, value, expected, lower, upper, anomalous`` per slice."""
    data = frame[["slice_start", "value", "expected", "lower", "upper", "anomalous"]].copy()
    data["slice_start"] = pd.to_datetime(data["slice_start"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    base = alt.Chart(data).encode(x=alt.X("slice_start:T", title=None))
    band = base.mark_area(opacity=0.25, color="#4c78a8").encode(
        y=alt.Y("lower:Q", title=None), y2="upper:Q")
    expected = base.mark_line(strokeDash=[4, 3], color="#4c78a8", strokeWidth=1).encode(
        y="expected:Q")
    value = base.mark_line(color="#333333", strokeWidth=1).encode(y="value:Q")
    points = base.transform_filter(alt.datum.anomalous).mark_point(
        color="#d62728", filled=True, size=60).encode(y="value:Q")
    return alt.layer(band, expected, value, points).properties(
        title=title, width=width, height=height)


def anomaly_grid(charts: Sequence[alt.TopLevelMixin]) -> alt.TopLevelMixin:
    """Several alert charts stacked in one image (one message, one picture)."""
    if len(charts) == 1:
        return charts[0]
    return alt.vconcat(*charts).resolve_scale(y="independent")
