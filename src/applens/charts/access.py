"""Content access (``applens.access``): the daily cross-program share with its change points,
and the most read content per group."""

from __future__ import annotations

import altair as alt
import pandas as pd

from applens.charts._common import HEIGHT, LABEL_LIMIT, WIDTH, needs

__all__ = ["cross_program_chart", "top_content_chart"]


def cross_program_chart(daily: pd.DataFrame, changes: pd.DataFrame | None = None, *,
                        title: str = "Cross-program share of requests per day") -> alt.LayerChart:
    """A line of ``share`` (0–1) over ``day``; each day of ``changes`` (a change point, e.g.
    the day access was cut) is a red rule."""
    needs(daily, ["day", "share", "cross_accesses", "accesses"], "cross-program")
    data = daily[["day", "share", "cross_accesses", "accesses"]].copy()
    data["day"] = pd.to_datetime(data["day"]).dt.strftime("%Y-%m-%d")
    line = alt.Chart(data).mark_line(color="#4c78a8").encode(
        x=alt.X("day:T", title=None),
        y=alt.Y("share:Q", title="cross-program share", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("day:T"), alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("cross_accesses:Q", format=","),
                 alt.Tooltip("accesses:Q", format=",")])
    layers: list[alt.Chart] = [line]
    if changes is not None and len(changes):
        cuts = pd.DataFrame({"day": pd.to_datetime(changes["day"]).dt.strftime("%Y-%m-%d"),
                             "direction": changes["direction"].astype(str)})
        layers.append(alt.Chart(cuts).mark_rule(color="#d62728", strokeWidth=2).encode(
            x="day:T", tooltip=[alt.Tooltip("day:T", title="change"), "direction:N"]))
    return alt.layer(*layers).properties(title=title, width=WIDTH, height=HEIGHT)


def top_content_chart(frame: pd.DataFrame, by: str = "program", *,
                      title: str = "Most accessed content") -> alt.Chart:
    """Horizontal bars: ``accesses`` of each ``content`` item, one colour per ``by`` group."""
    needs(frame, [by, "content", "accesses", "people"], "top content")
    data = frame[[by, "content", "accesses", "people"]].copy()
    data[by] = data[by].astype(str)
    data["item"] = data[by] + " · " + data["content"].astype(str)
    return alt.Chart(data, title=title).mark_bar().encode(
        x=alt.X("accesses:Q", title="requests"),
        y=alt.Y("item:N", title=None, sort="-x", axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        color=alt.Color(f"{by}:N", title=by),
        tooltip=[f"{by}:N", "content:N", alt.Tooltip("accesses:Q", format=","),
                 alt.Tooltip("people:Q", format=",")],
    ).properties(width=WIDTH)
