"""Alert timeline: every alert of the period by monitor/series, sized by its deviation.

(The anomaly band of one series with its alerts marked lives in ``charts.anomaly``.)
"""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import WIDTH, frame_of, needs

__all__ = ["alert_timeline"]


def alert_timeline(data: Any, *, title: str = "Alerts") -> alt.Chart:
    """A point per alert at ``slice_start`` on the row of its ``monitor`` (and ``series``
    when given); colour = status, size = |deviation_pct|."""
    frame = frame_of(data)
    needs(frame, ["monitor", "slice_start"], "alert timeline")
    frame = frame.copy()
    frame["row"] = frame["monitor"].astype(str)
    if "series" in frame.columns:
        series = frame["series"].fillna("").astype(str)
        frame["row"] = frame["row"].where(series == "", frame["row"] + " · " + series)
    frame["slice_start"] = frame["slice_start"].astype(str)
    frame["status"] = frame["status"].astype(str) if "status" in frame.columns else "alert"
    frame["size"] = frame["deviation_pct"].abs() if "deviation_pct" in frame.columns else 1.0
    tooltip = ["row:N", "slice_start:T", "status:N"]
    tooltip += [alt.Tooltip(f"{c}:Q", format=",.4~g") for c in
                ("value", "expected", "deviation_pct") if c in frame.columns]
    rows = frame["row"].nunique()
    return alt.Chart(frame, title=title).mark_circle(opacity=0.75).encode(
        x=alt.X("slice_start:T", title=None),
        y=alt.Y("row:N", title=None),
        color=alt.Color("status:N", title="status"),
        size=alt.Size("size:Q", title="|deviation| %", legend=None),
        tooltip=tooltip,
    ).properties(width=WIDTH, height=max(26 * rows, 60))
