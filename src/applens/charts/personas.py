"""Persona profiles: how each behavioural segment differs on each feature."""

from __future__ import annotations

from typing import Any

import altair as alt

from applens.charts._common import frame_of, needs

__all__ = ["persona_chart"]


def persona_chart(data: Any, *, title: str = "Persona profiles") -> alt.LayerChart:
    """Heatmap persona × feature from a tidy frame ``persona, feature, value`` (the raw mean
    of the feature in the persona). Colour is the value standardised per feature across
    personas (so features of different units compare); the text is the raw value."""
    frame = frame_of(data)
    needs(frame, ["persona", "feature", "value"], "persona")
    frame = frame.copy()
    frame["persona"] = frame["persona"].astype(str)
    grouped = frame.groupby("feature")["value"]
    spread = grouped.transform("std").fillna(0.0)
    frame["z"] = ((frame["value"] - grouped.transform("mean")) / spread.where(spread > 0)).fillna(0)
    base = alt.Chart(frame).encode(
        x=alt.X("feature:N", title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("persona:N", title=None),
    )
    tooltip = ["persona:N", "feature:N", alt.Tooltip("value:Q", format=",.3~g"),
               alt.Tooltip("z:Q", format="+.2f", title="vs other personas (sd)")]
    if "users" in frame.columns:
        tooltip.append(alt.Tooltip("users:Q", format=","))
    cells = base.mark_rect().encode(
        color=alt.Color("z:Q", title="vs others (sd)",
                        scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True)),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=10).encode(text=alt.Text("value:Q", format=",.3~g"))
    features = frame["feature"].nunique()
    personas = frame["persona"].nunique()
    return alt.layer(cells, text).properties(
        title=title, width=max(70 * features, 200), height=max(28 * personas, 60))
