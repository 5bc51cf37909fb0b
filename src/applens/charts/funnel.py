"""Funnel: people reaching each step, with the conversion rate from the first step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from applens.charts._common import WIDTH, frame_of, needs

__all__ = ["funnel_chart", "funnel_frame"]


def funnel_frame(data: Any, steps: Sequence[str] | None = None) -> pd.DataFrame:
    """step, event (label), count, rate (from step 0) and step_rate (from the step before);
    the step labels come from ``steps``, the result's spec, or 'step N'."""
    frame = frame_of(data, "funnel")
    if "step_count" in frame.columns:
        frame = frame.rename(columns={"step_count": "count"})
    needs(frame, ["count"], "funnel")
    frame = frame.reset_index(drop=True)
    frame["step"] = range(len(frame))
    if steps is None and "event" not in frame.columns and hasattr(data, "spec"):
        steps = [s.get("event") or "any event" for s in data.spec.get("steps", [])]
    if steps is not None:
        frame["event"] = list(steps)[: len(frame)]
    if "event" not in frame.columns:
        frame["event"] = [f"step {k + 1}" for k in frame["step"]]
    frame["label"] = [f"{k + 1}. {e}" for k, e in zip(frame["step"], frame["event"], strict=True)]
    first = frame["count"].iloc[0] if len(frame) else 0
    frame["rate"] = frame["count"] / first if first else 0.0
    before = frame["count"].shift(1).fillna(frame["count"])
    frame["step_rate"] = (frame["count"] / before.where(before > 0)).fillna(0.0)
    return frame[["step", "event", "label", "count", "rate", "step_rate"]]


def funnel_chart(data: Any, *, steps: Sequence[str] | None = None,
                 title: str = "Funnel") -> alt.LayerChart:
    """Horizontal bars per step (a ``funnel`` Result or frame with ``count``), labelled with
    the conversion rate from the first step."""
    frame = funnel_frame(data, steps)
    base = alt.Chart(frame).encode(y=alt.Y("label:N", title=None, sort=None))
    bars = base.mark_bar().encode(
        x=alt.X("count:Q", title="users"),
        tooltip=["event:N", alt.Tooltip("count:Q", format=","),
                 alt.Tooltip("rate:Q", format=".1%", title="from first step"),
                 alt.Tooltip("step_rate:Q", format=".1%", title="from previous step")],
    )
    text = base.mark_text(align="left", dx=4).encode(
        x="count:Q", text=alt.Text("rate:Q", format=".0%"))
    return alt.layer(bars, text).properties(
        title=title, width=WIDTH, height=max(28 * len(frame), 60))
