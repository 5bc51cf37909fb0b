"""One message per run and channel set: a line per notice and one PNG of the alerts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import pandas as pd

from applens.formatting import number
from applens.monitor.judge import Notice

__all__ = ["render_chart", "render_text"]

MAX_CHARTS = 6  # a taller picture stops being readable in a chat
_WORDS = {"opened": "NEW", "worse": "WORSE", "repeat": "STILL", "resolved": "RESOLVED"}


def _line(n: Notice, labels: dict[str, str], step: dict[str, timedelta]) -> str:
    v = n.verdict
    where = f"**{n.monitor}** ({labels.get(n.monitor, '')})"
    if n.series != "all":
        where += f" · {n.series}"
    if n.kind == "resolved":
        since = n.alert["resolved_at"]
        return (f"- {_WORDS[n.kind]} {where}: back to normal since {since:%Y-%m-%d %H:%M} UTC "
                f"(value {number(v.value)}, expected {number(v.expected)}); opened "
                f"{n.alert['opened_at']:%Y-%m-%d %H:%M} UTC, worst "
                f"{n.alert['worst_deviation_pct']:+.1f} %")
    end = v.slice_start + step.get(n.monitor, timedelta(minutes=15))
    dev = v.deviation_pct
    opened = n.alert.get("slice_start")
    since = f" (since {opened:%H:%M})" if opened is not None and opened != v.slice_start else ""
    return (f"- {_WORDS[n.kind]} {v.direction} {where}, slice {v.slice_start:%Y-%m-%d %H:%M}–"
            f"{end:%H:%M} UTC{since}: value {number(v.value)}, expected {number(v.expected)} "
            f"(range {number(v.lower)}–{number(v.upper)}), "
            f"{'n/a' if not math.isfinite(dev) else f'{dev:+.1f} %'}")


def render_text(notices: Sequence[Notice], labels: dict[str, str],
                step: dict[str, timedelta]) -> tuple[str, str]:
    """Title and markdown body for the notices of one run."""
    counts = Counter("resolved" if n.kind == "resolved" else "alert" for n in notices)
    parts = []
    if counts["alert"]:
        parts.append(f"{counts['alert']} anomal{'y' if counts['alert'] == 1 else 'ies'}")
    if counts["resolved"]:
        parts.append(f"{counts['resolved']} resolved")
    title = "applens: " + ", ".join(parts)
    ordered = sorted(notices, key=lambda n: (n.kind == "resolved", n.monitor, n.series,
                                             n.verdict.slice_start))
    body = "\n".join(_line(n, labels, step) for n in ordered)
    return title, body


def render_chart(notices: Sequence[Notice], frames: dict[tuple[str, str], pd.DataFrame]
                 ) -> bytes | None:
    """PNG of the latest alert per series (resolved ones need no picture)."""
    from applens.charts import png_bytes
    from applens.charts.anomaly import anomaly_chart, anomaly_grid

    latest: dict[tuple[str, str], Notice] = {}
    for n in notices:
        if n.kind != "resolved":
            latest[(n.monitor, n.series)] = n
    charts = []
    for key, n in list(latest.items())[:MAX_CHARTS]:
        frame = frames[key]
        frame = frame[frame["slice_start"] <= n.verdict.slice_start]
        frame = frame[frame["slice_start"] > n.verdict.slice_start - timedelta(days=3)]
        title = n.monitor if n.series == "all" else f"{n.monitor} · {n.series}"
        charts.append(anomaly_chart(frame, title))
    return png_bytes(anomaly_grid(charts)) if charts else None
