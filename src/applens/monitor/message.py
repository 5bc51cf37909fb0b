"""One message per run and channel set: a line per notice and one PNG of the alerts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from applens.errors import ApplensError
from applens.formatting import number
from applens.insights.explain import explain
from applens.monitor.config import MonitorConfig
from applens.monitor.judge import Notice
from applens.monitor.slices import ALL

__all__ = ["explain_notices", "render_chart", "render_text"]

Explanations = Mapping[tuple[str, datetime], str]  # (monitor, slice start) -> one sentence

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


def _explain_metric(cfg: MonitorConfig) -> str | None:
    """The ``explain`` metric of a monitor on a plain count or DAU (None: not explainable)."""
    series = cfg.metric_series
    if cfg.formula or cfg.properties or len(series) != 1 or series[0].properties:
        return None
    s = series[0]
    if s.math_property or s.math not in ("total", "dau"):
        return None
    if s.math == "dau":
        return None if s.event else "dau"
    return f"count:{s.event}" if s.event else "events"


def explain_notices(ws: Any, notices: Sequence[Notice], configs: Mapping[str, MonitorConfig],
                    history_days: int = 7) -> dict[tuple[str, datetime], str]:
    """For each new or worse alert on a monitor's total, which slice moved it against the same
    slot over the previous ``history_days`` days ("view count -40.0%: os=Android explains 100.0%
    of the drop."). An alert whose data cannot name a slice simply gets no sentence."""
    out: dict[tuple[str, datetime], str] = {}
    for n in notices:
        cfg = configs.get(n.monitor)
        if cfg is None or n.kind not in ("opened", "worse") or n.series != ALL:
            continue
        metric = _explain_metric(cfg)
        if metric is None:
            continue
        minutes = max(1, int(cfg.slice_step.total_seconds() // 60))
        try:
            result = explain(ws, metric, n.verdict.slice_start, vs_mean=history_days,
                             grain="minute", length=minutes)
        except ApplensError:
            continue
        out[(n.monitor, n.verdict.slice_start)] = result.headline(cfg.label)
    return out


def render_text(notices: Sequence[Notice], labels: dict[str, str],
                step: dict[str, timedelta], explanations: Explanations | None = None
                ) -> tuple[str, str]:
    """Title and markdown body for the notices of one run; ``explanations`` (from
    ``explain_notices``) add which slice moved a total."""
    counts = Counter("resolved" if n.kind == "resolved" else "alert" for n in notices)
    parts = []
    if counts["alert"]:
        parts.append(f"{counts['alert']} anomal{'y' if counts['alert'] == 1 else 'ies'}")
    if counts["resolved"]:
        parts.append(f"{counts['resolved']} resolved")
    title = "applens: " + ", ".join(parts)
    ordered = sorted(notices, key=lambda n: (n.kind == "resolved", n.monitor, n.series,
                                             n.verdict.slice_start))
    lines = []
    for n in ordered:
        why = (explanations or {}).get((n.monitor, n.verdict.slice_start))
        lines.append(_line(n, labels, step) + (f". {why}" if why else ""))
    body = "\n".join(lines)
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
