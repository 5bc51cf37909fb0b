"""Model risk scores: how many users sit at each level of predicted risk (churn, crash)."""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import HEIGHT, WIDTH, frame_of, needs

__all__ = ["risk_histogram"]


def risk_histogram(data: Any, *, score: str = "score", threshold: float = 0.5,
                   title: str = "Predicted risk") -> alt.Chart:
    """Users per score bin (0-1, 20 bins); bins at or above ``threshold`` in red."""
    frame = frame_of(data)
    needs(frame, [score], "risk")
    frame = frame[[score]].rename(columns={score: "score"}).dropna()
    frame["bin"] = (frame["score"].clip(0, 0.9999) * 20).astype(int) / 20
    counts = frame.groupby("bin", as_index=False).size().rename(columns={"size": "users"})
    counts["high"] = counts["bin"] + 0.05 > threshold
    return alt.Chart(counts, title=title).mark_bar().encode(
        x=alt.X("bin:Q", title="predicted risk", bin="binned", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        x2=alt.X2("upper:Q"),
        y=alt.Y("users:Q", title="users"),
        color=alt.condition("datum.high", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=[alt.Tooltip("bin:Q", format=".0%", title="from"),
                 alt.Tooltip("users:Q", format=",")],
    ).transform_calculate(upper="datum.bin + 0.05").properties(width=WIDTH, height=HEIGHT)
