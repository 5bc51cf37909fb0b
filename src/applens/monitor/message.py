"""One message per run and channel set: a line per notice and one PNG of the alerts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from applens.errors import ApplensError
from applens.formatting import metric_value, number, p_equals
from applens.insights.explain import Explanation, explain
from applens.monitor.config import MonitorConfig
from applens.monitor.judge import Notice, SliceVerdict
from applens.monitor.slices import ALL

__all__ = ["chart_link", "explain_notices", "explain_slice", "render_chart", "render_text",
           "same_metric"]

Explanations = Mapping[tuple[str, datetime], str]  # (monitor, slice start) -> one sentence

MAX_CHARTS = 6  # a taller picture stops being readable in a chat
_WORDS = {"opened": "NEW", "worse": "WORSE", "repeat": "STILL", "resolved": "RESOLVED"}


def _line(n: Notice, labels: dict[str, str], step: dict[str, timedelta],
          units: Mapping[str, str] | None = None) -> str:
    v = n.verdict
    unit = (units or {}).get(n.monitor, "")
    where = f"**{n.monitor}** ({labels.get(n.monitor, '')})"
    if n.series != "all":
        where += f" · {n.series}"
    if n.kind == "resolved":
        since = n.alert["resolved_at"]
        return (f"- {_WORDS[n.kind]} {where}: back to normal since {since:%Y-%m-%d %H:%M} UTC "
                f"(value {metric_value(v.value, unit)}, expected "
                f"{metric_value(v.expected, unit)}); opened "
                f"{n.alert['opened_at']:%Y-%m-%d %H:%M} UTC, worst "
                f"{n.alert['worst_deviation_pct']:+.1f} %")
    width = step.get(n.monitor, timedelta(minutes=15))
    end = v.slice_start + width
    dev = v.deviation_pct
    opened = n.alert.get("slice_start")
    daily = width == timedelta(days=1)  # a day slice (tickets) reads as its date
    since = "" if opened is None or opened == v.slice_start else (
        f" (since {opened:%Y-%m-%d})" if daily else f" (since {opened:%H:%M})")
    when = (f"day {v.slice_start:%Y-%m-%d}" if daily else
            f"slice {v.slice_start:%Y-%m-%d %H:%M}–{end:%H:%M}")
    return (f"- {_WORDS[n.kind]} {v.direction} {where}, {when} "
            f"UTC{since}: value {metric_value(v.value, unit)}, expected "
            f"{metric_value(v.expected, unit)} (range {metric_value(v.lower, unit)}–"
            f"{metric_value(v.upper, unit)}), "
            f"{'n/a' if not math.isfinite(dev) else f'{dev:+.1f} %'}{_how_sure(v)}")


def _how_sure(v: SliceVerdict) -> str:
    """A share judge's count test reads as its p-value; a detector's score as how unusual."""
    if math.isfinite(v.p_value):
        return f"; {p_equals(v.p_value)}"
    return _unusual(v.score)


def _unusual(score: float) -> str:
    """How unusual, in words: the detector's ratio to its own near-record deviation (the
    score is ratio / (1 + ratio); 1x is the edge where alerts start)."""
    if not (math.isfinite(score) and 0 < score < 1):
        return ""
    return f"; {number(score / (1 - score), 2)}x as far off as its usual worst"


def chart_link(base: str, n: Notice, days: int = 3) -> str:
    """The dashboard's anomalies page over the days before the slice, filtered to the
    slice's series when it is one dimension (``os=iOS``)."""
    day = n.verdict.slice_start.date()
    query = {"date_from": (day - timedelta(days=days - 1)).isoformat(),
             "date_to": day.isoformat()}
    if n.series != ALL and ", " not in n.series and "=" in n.series:
        key, value = n.series.split("=", 1)
        query |= {"slice_key": key, "slice_value": value}
    return f"{base.rstrip('/')}/page/anomalies?{urlencode(query)}"


def same_metric(total: MonitorConfig, sliced: MonitorConfig) -> bool:
    """Does ``sliced`` cut the metric ``total`` watches whole (same events, maths and
    filters, with dimensions)? Then the total's alert is told under the slice's."""
    keys = ("event", "math", "math_property", "metric", "series", "formula", "properties",
            "slice", "tickets")
    return (not total.dimensions and bool(sliced.dimensions)
            and all(getattr(total, k) == getattr(sliced, k) for k in keys))


def _explain_metric(cfg: MonitorConfig) -> str | None:
    """The ``explain`` metric of a monitor on a plain count or DAU (None: not explainable)."""
    series = cfg.metric_series
    if cfg.tickets is not None:
        return None  # tickets are not events: nothing to cut by slice
    if cfg.formula or cfg.properties or len(series) != 1 or series[0].properties:
        return None
    s = series[0]
    if s.math_property or s.math not in ("total", "dau"):
        return None
    if s.math == "dau":
        return None if s.event else "dau"
    return f"count:{s.event}" if s.event else "events"


def explain_slice(ws: Any, cfg: MonitorConfig, slice_start: datetime,
                  history_days: int = 7) -> Explanation | None:
    """Which slice moved the monitor's metric in one of its slices, against the same slot
    over the previous ``history_days`` days (None: the metric is not a plain count or DAU)."""
    metric = _explain_metric(cfg)
    if metric is None:
        return None
    minutes = max(1, int(cfg.slice_step.total_seconds() // 60))
    return explain(ws, metric, slice_start, vs_mean=history_days, grain="minute",
                   length=minutes)


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
        try:
            result = explain_slice(ws, cfg, n.verdict.slice_start, history_days)
        except ApplensError:
            continue
        if result is not None:
            out[(n.monitor, n.verdict.slice_start)] = result.headline(cfg.label)
    return out


def render_text(notices: Sequence[Notice], labels: dict[str, str],
                step: dict[str, timedelta], explanations: Explanations | None = None,
                *, links: Mapping[str, str] | None = None,
                parents: Mapping[str, Sequence[str]] | None = None,
                units: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Title and markdown body for the notices of one run; ``explanations`` (from
    ``explain_notices``) add which slice moved a total, ``links`` (monitor -> dashboard
    address) a chart link per line, and ``parents`` (total monitor -> monitors that cut
    its metric) tell a total's alert under the slice alert that moved it, as one
    incident, instead of a parent alert beside its child's. ``units`` (monitor ->
    ``MonitorConfig.unit``) print shares as percentages."""
    ordered = sorted(notices, key=lambda n: (n.kind == "resolved", n.monitor, n.series,
                                             n.verdict.slice_start))
    under = _grouped(ordered, parents or {})  # total notice -> the slice notice it joins
    counts = Counter("resolved" if n.kind == "resolved" else "alert" for n in notices
                     if id(n) not in under)
    parts = []
    if counts["alert"]:
        parts.append(f"{counts['alert']} anomal{'y' if counts['alert'] == 1 else 'ies'}")
    if counts["resolved"]:
        parts.append(f"{counts['resolved']} resolved")
    title = "applens: " + ", ".join(parts)
    totals: dict[int, list[Notice]] = {}  # slice notice -> the totals told under it
    for n in ordered:
        if id(n) in under:
            totals.setdefault(under[id(n)], []).append(n)
    lines = []
    for n in ordered:
        if id(n) in under:
            continue  # told under the slice that moved it
        lines.append(_text(n, labels, step, explanations, links, units))
        for total in totals.get(id(n), ()):
            lines.append("  - with it, the total: "
                         + _text(total, labels, step, explanations, links, units)[2:])
    body = "\n".join(lines)
    return title, body


def _text(n: Notice, labels: dict[str, str], step: dict[str, timedelta],
          explanations: Explanations | None, links: Mapping[str, str] | None,
          units: Mapping[str, str] | None = None) -> str:
    why = (explanations or {}).get((n.monitor, n.verdict.slice_start))
    line = _line(n, labels, step, units) + (f". {why}" if why else "")
    base = (links or {}).get(n.monitor)
    if base and n.kind != "resolved":
        line += f" Chart: {chart_link(base, n)}"
    return line


def _grouped(notices: Sequence[Notice], parents: Mapping[str, Sequence[str]]
             ) -> dict[int, int]:
    """Total notice -> the slice notice it is told under: same direction, a slice of a
    monitor that cuts the total's metric, opened within an hour of the total's."""
    by_monitor: dict[str, list[Notice]] = {}
    for n in notices:
        if n.kind != "resolved":
            by_monitor.setdefault(n.monitor, []).append(n)
    out: dict[int, int] = {}
    for total in notices:
        if total.series != ALL or total.kind == "resolved":
            continue
        for n in (m for name in parents.get(total.monitor, ()) for m in by_monitor.get(name, ())):
            if (n.verdict.direction == total.verdict.direction
                    and abs(n.verdict.slice_start - total.verdict.slice_start)
                    <= timedelta(hours=1)):
                out[id(total)] = id(n)
                break
    return out


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
