"""Effect chart of a readout: the relative lift with its CI per metric (Altair)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from applens.charts import save_chart
from applens.experiments.analyze import Readout

__all__ = ["effect_chart", "save_chart"]


def effect_chart(readout: Readout) -> alt.LayerChart:
    frame = readout.to_frame()
    frame = pd.DataFrame({
        "metric": frame["metric"] + " (" + frame["treatment"] + ")",
        "lift": frame["lift"], "low": frame["lift_ci_low"], "high": frame["lift_ci_high"],
        "significant": frame["p_adjusted"] < readout.alpha,
    })
    base = alt.Chart(frame).encode(y=alt.Y("metric:N", title=None))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=f"relative lift vs {readout.control} ({1 - readout.alpha:.0%} CI)",
                axis=alt.Axis(format="%")),
        x2="high:Q",
    )
    points = base.mark_point(filled=True, size=80).encode(
        x="lift:Q", color=alt.Color("significant:N", title="significant (adjusted)"),
        tooltip=["metric", alt.Tooltip("lift:Q", format=".2%"),
                 alt.Tooltip("low:Q", format=".2%"), alt.Tooltip("high:Q", format=".2%")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(bars, points, zero).properties(width=480)
