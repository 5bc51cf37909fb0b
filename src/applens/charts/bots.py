"""Bots: users plotted by activity volume and regularity; suspected bots stand apart."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from applens.charts._common import HEIGHT, WIDTH, frame_of, log_axis, needs

__all__ = ["MAX_POINTS", "bot_scatter"]

MAX_POINTS = 4_000  # more points than this make a slow page and an unreadable cloud


def bot_scatter(data: Any, *, x: str = "events_per_day", y: str = "median_gap_seconds",
                flag: str = "is_bot", title: str = "Users by activity and regularity"
                ) -> alt.Chart:
    """One point per user (``user_id``, ``x``, ``y``, optional ``flag`` column: bool or a
    0-1 score); both axes log-scaled, flagged users in red."""
    frame = frame_of(data)
    needs(frame, ["user_id", x, y], "bot scatter")
    frame = frame.copy()
    frame["user_id"] = frame["user_id"].astype(str)
    if flag not in frame.columns:
        frame[flag] = False
    frame["suspected"] = (frame[flag].astype(float) >= 0.5).map({True: "bot", False: "person"})
    if len(frame) > MAX_POINTS:  # keep every suspected bot, sample the people (seeded)
        bots = frame[frame["suspected"] == "bot"]
        people = frame[frame["suspected"] == "person"]
        people = people.sample(max(MAX_POINTS - len(bots), 0), random_state=0)
        title = f"{title} (all {len(bots):,} bots, {len(people):,} of the others)"
        frame = pd.concat([bots, people])
    tooltip = ["user_id:N", alt.Tooltip(f"{x}:Q", format=",.4~g"),
               alt.Tooltip(f"{y}:Q", format=",.4~g"), "suspected:N"]
    def axis(column: str) -> alt.Axis:
        largest = float(pd.to_numeric(frame[column], errors="coerce").max() or 0)
        return log_axis(largest)

    return alt.Chart(frame, title=title).mark_circle(opacity=0.6).encode(
        x=alt.X(f"{x}:Q", title=x.replace("_", " "), scale=alt.Scale(type="symlog"),
                axis=axis(x)),
        y=alt.Y(f"{y}:Q", title=y.replace("_", " "), scale=alt.Scale(type="symlog"),
                axis=axis(y)),
        color=alt.Color("suspected:N", title=None,
                        scale=alt.Scale(domain=["person", "bot"], range=["#1f77b4", "#d62728"])),
        tooltip=tooltip,
    ).properties(width=WIDTH, height=HEIGHT + 60)
