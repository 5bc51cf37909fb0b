"""Support tickets: the negative share per day."""

from __future__ import annotations

import altair as alt
import pandas as pd

from applens.charts._common import HEIGHT, WIDTH, needs

__all__ = ["negative_share_chart"]


def negative_share_chart(frame: pd.DataFrame, *,
                         title: str = "Negative share of tickets per day") -> alt.Chart:
    """A line of ``negative_share`` (0–1) over ``period`` (days)."""
    needs(frame, ["period", "negative_share"], "negative share")
    return alt.Chart(frame, title=title).mark_line(point=True).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("negative_share:Q", title="negative share", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("period:T"), alt.Tooltip("negative_share:Q", format=".1%")],
    ).properties(width=WIDTH, height=HEIGHT)
