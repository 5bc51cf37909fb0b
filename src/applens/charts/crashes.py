"""App health: crash rate per app_version with Wilson confidence intervals."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from applens.charts._common import WIDTH, frame_of, needs

__all__ = ["crash_rate_chart", "crash_rate_frame", "wilson_interval"]


def wilson_interval(successes: Any, trials: Any, *, confidence: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (well behaved near 0 and for small n), by
    statsmodels; no trials gives the whole interval [0, 1]."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    some = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = proportion_confint(k, np.where(some, n, 1.0), alpha=1 - confidence,
                                       method="wilson")
    return np.where(some, low, 0.0), np.where(some, high, 1.0)


def crash_rate_frame(data: Any, *, by: str = "app_version", unit: str = "sessions",
                     confidence: float = 0.95) -> pd.DataFrame:
    """Adds rate, low and high to a frame with ``by``, ``crashes`` and ``unit`` (the number
    of sessions, users… at risk); crashes are capped at the unit count for the rate."""
    frame = frame_of(data)
    needs(frame, [by, "crashes", unit], "crash rate")
    frame = frame.copy()
    frame[by] = frame[by].astype(str)
    crashed = np.minimum(frame["crashes"].to_numpy(float), frame[unit].to_numpy(float))
    frame["rate"] = np.where(frame[unit] > 0, crashed / frame[unit].where(frame[unit] > 0), 0.0)
    frame["low"], frame["high"] = wilson_interval(crashed, frame[unit], confidence=confidence)
    return frame


def crash_rate_chart(data: Any, *, by: str = "app_version", unit: str = "sessions",
                     confidence: float = 0.95, title: str | None = None) -> alt.LayerChart:
    """A point per ``by`` value at its crash rate with a rule across the Wilson CI, and a
    dashed line at the overall rate."""
    frame = crash_rate_frame(data, by=by, unit=unit, confidence=confidence)
    total = frame[unit].sum()
    overall = float(np.minimum(frame["crashes"], frame[unit]).sum() / total) if total else 0.0
    title = title or f"Crash rate per {unit[:-1] if unit.endswith('s') else unit} by {by}"
    base = alt.Chart(frame).encode(y=alt.Y(f"{by}:N", title=by, sort=None))
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=f"crash rate ({confidence:.0%} CI)", axis=alt.Axis(format="%")),
        x2="high:Q",
    )
    points = base.mark_point(filled=True, size=80).encode(
        x="rate:Q",
        color=alt.condition(f"datum.low > {overall}", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=[f"{by}:N", alt.Tooltip("rate:Q", format=".2%"),
                 alt.Tooltip("low:Q", format=".2%"), alt.Tooltip("high:Q", format=".2%"),
                 alt.Tooltip("crashes:Q", format=","), alt.Tooltip(f"{unit}:Q", format=",")],
    )
    mean = alt.Chart(pd.DataFrame({"overall": [overall]})).mark_rule(
        strokeDash=[4, 4], color="gray").encode(x="overall:Q")
    return alt.layer(rules, points, mean).properties(
        title=title, width=WIDTH - 80, height=max(26 * len(frame), 60))
