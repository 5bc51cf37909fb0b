"""Experiment effects: the relative lift of each metric with its confidence interval."""

from __future__ import annotations

from typing import Protocol

import altair as alt
import pandas as pd

from applens.charts._common import WIDTH, needs

__all__ = ["Readout", "effect_chart", "effect_frame"]


class Readout(Protocol):
    """What the chart reads of an experiment readout (``applens.experiments.analyze.Readout``);
    charts sit below the domain packages, so they name its shape, not its class."""

    @property
    def control(self) -> str: ...

    @property
    def alpha(self) -> float: ...

    def to_frame(self) -> pd.DataFrame: ...


def effect_frame(readout: Readout) -> pd.DataFrame:
    """metric (with its treatment), lift, low, high, significant (after the correction)."""
    frame = readout.to_frame()
    return pd.DataFrame({
        "metric": frame["metric"] + " (" + frame["treatment"] + ")",
        "lift": frame["lift"], "low": frame["lift_ci_low"], "high": frame["lift_ci_high"],
        "significant": frame["p_adjusted"] < readout.alpha,
    })


def effect_chart(data: Readout | pd.DataFrame, *, control: str | None = None,
                 alpha: float | None = None, title: str | None = None) -> alt.LayerChart:
    """A point per metric at its lift and a rule across its CI, a dashed line at zero. Takes
    a ``Readout`` or a frame with metric, lift, low, high and (optional) significant."""
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
        needs(frame, ["metric", "lift", "low", "high"], "experiment effect")
        if "significant" not in frame.columns:
            frame["significant"] = (frame["low"] > 0) | (frame["high"] < 0)
    else:
        frame = effect_frame(data)
        control = data.control if control is None else control
        alpha = data.alpha if alpha is None else alpha
    level = f" ({1 - alpha:.0%} CI)" if alpha is not None else " (CI)"
    versus = f" vs {control}" if control is not None else ""
    base = alt.Chart(frame).encode(y=alt.Y("metric:N", title=None))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=f"relative lift{versus}{level}", axis=alt.Axis(format="%")),
        x2="high:Q",
    )
    points = base.mark_point(filled=True, size=80).encode(
        x="lift:Q", color=alt.Color("significant:N", title="significant (adjusted)"),
        tooltip=["metric", alt.Tooltip("lift:Q", format=".2%"),
                 alt.Tooltip("low:Q", format=".2%"), alt.Tooltip("high:Q", format=".2%")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    chart = alt.layer(bars, points, zero).properties(width=WIDTH - 80)
    return chart.properties(title=title) if title else chart
