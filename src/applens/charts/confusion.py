"""Confusion matrix of a classifier: true label × predicted label, counts as colour."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from applens.charts._common import LABEL_LIMIT

__all__ = ["confusion_chart"]


def confusion_chart(labels: Sequence[str], matrix: Sequence[Sequence[int]], *,
                    title: str = "Confusion matrix (validation)") -> alt.Chart:
    """A heatmap with the count in each cell; rows are the truth, columns the prediction."""
    rows = [{"true": str(t), "predicted": str(p), "tickets": int(matrix[i][j])}
            for i, t in enumerate(labels) for j, p in enumerate(labels)]
    frame = pd.DataFrame(rows, columns=["true", "predicted", "tickets"])
    order = [str(x) for x in labels]
    side = max(160, min(900, 28 * len(order)))
    base = alt.Chart(frame, title=title).encode(
        x=alt.X("predicted:N", sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        y=alt.Y("true:N", sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("tickets:Q", scale=alt.Scale(scheme="blues")),
        tooltip=["true:N", "predicted:N", alt.Tooltip("tickets:Q", format=",")])
    text = base.mark_text(fontSize=10).encode(text=alt.Text("tickets:Q", format=","))
    return (cells + text).properties(width=side, height=side)
