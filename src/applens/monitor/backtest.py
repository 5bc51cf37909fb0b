"""``backtest``: replay a stretch of history through the declared monitors and list the
alerts that would have been sent, scored against labelled incidents when given, so a team
can tune a monitor before turning it on.

Nothing is saved and nothing is sent: the replay starts from a blank alert state and
judges every slice in [from, to) as the scheduled runs would have, one slice at a time
(the detectors are causal). One difference from production: a replayed slice late in
the stretch sees history back to ``from - history``, a scheduled run only ``history``.

Labels are a CSV file with columns ``start, end`` (incident times, UTC) and optionally
``monitor`` and ``series`` (empty: any). An alert that opens inside a label (or one
slice after its end) is a true alert; precision = true alerts / alerts opened, recall =
labels with at least one alert / labels.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from applens.errors import (
    ApplensError,
    ConfigError,
    DataError,
    InvalidParameterError,
    NotFoundError,
)
from applens.monitor.config import load_monitors
from applens.monitor.judge import Notice
from applens.monitor.run import _judge_monitor
from applens.monitor.slices import watermark
from applens.workspace import Workspace

__all__ = ["Backtest", "Label", "backtest", "load_labels", "parse_moment"]

SENT = ("opened", "worse", "repeat")  # the notices that would have paged someone


@dataclass(frozen=True)
class Label:
    """A known incident: [start, end], on one monitor/series or on any (None)."""

    start: datetime
    end: datetime
    monitor: str | None = None
    series: str | None = None

    def covers(self, n: Notice, step: timedelta) -> bool:
        if self.monitor is not None and n.monitor != self.monitor:
            return False
        if self.series is not None and n.series != self.series:
            return False
        return self.start <= n.verdict.slice_start <= self.end + step


@dataclass
class Backtest:
    """The alerts a replay of [start, end) would have sent, and how they match labels."""

    start: datetime
    end: datetime
    slices_judged: int = 0
    notices: list[Notice] = field(default_factory=list)
    steps: dict[str, timedelta] = field(default_factory=dict)
    labels: list[Label] | None = None

    @property
    def sent(self) -> list[Notice]:
        return [n for n in self.notices if n.kind in SENT]

    @property
    def opened(self) -> list[Notice]:
        return [n for n in self.notices if n.kind == "opened"]

    def _hit(self, n: Notice) -> bool:
        step = self.steps.get(n.monitor, timedelta(minutes=15))
        return any(label.covers(n, step) for label in self.labels or [])

    @property
    def precision(self) -> float | None:
        if self.labels is None or not self.opened:
            return None
        return sum(self._hit(n) for n in self.opened) / len(self.opened)

    @property
    def recall(self) -> float | None:
        if not self.labels:
            return None
        found = sum(any(label.covers(n, self.steps.get(n.monitor, timedelta(minutes=15)))
                        for n in self.opened) for label in self.labels)
        return found / len(self.labels)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for n in self.sent:
            v = n.verdict
            row = {"monitor": n.monitor, "series": n.series, "slice_start": v.slice_start,
                   "kind": n.kind, "direction": v.direction, "value": v.value,
                   "expected": v.expected, "lower": v.lower, "upper": v.upper,
                   "deviation_pct": v.deviation_pct, "score": v.score}
            if self.labels is not None:
                row["labelled"] = self._hit(n)
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "slices_judged": self.slices_judged, "alerts_sent": len(self.sent),
                "alerts_opened": len(self.opened),
                "labels": None if self.labels is None else len(self.labels),
                "precision": self.precision, "recall": self.recall, "alerts": self.rows()}


def parse_moment(text: str, where: str, error: type[ApplensError] = DataError) -> datetime:
    """A date or time in UTC (naive); an offset is converted to UTC, not dropped. One
    parser for the CLI's --from/--to and the labels file, so both read a time alike;
    ``where`` names the option or file cell in the one-line error."""
    try:
        stamp = pd.Timestamp(text.strip())
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise error(f"{where}: '{text}' is not a date or time; write it like "
                    "2026-11-28 or 2026-11-28 13:00 (UTC).")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def load_labels(path: Path) -> list[Label]:
    """Labelled incidents from a CSV file with ``start, end[, monitor, series]``."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"Labels file {path} does not exist; give a CSV file with "
                            "columns start, end (and optionally monitor, series).")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in ("start", "end") if c not in columns]
        if missing:
            raise DataError(f"{path}: no column {', '.join(missing)}; the labels file needs "
                            f"start and end (found: {', '.join(columns) or 'none'}).")
        labels = []
        for row_no, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            start = parse_moment(row["start"], f"{path} row {row_no} column start")
            end = parse_moment(row["end"], f"{path} row {row_no} column end")
            if end < start:
                raise DataError(f"{path} row {row_no}: end {row['end']} is before start "
                                f"{row['start']}; swap them.")
            labels.append(Label(start, end, row.get("monitor") or None,
                                row.get("series") or None))
    return labels


def backtest(ws: Workspace, start: datetime, end: datetime, *,
             labels: list[Label] | None = None, only: str | None = None) -> Backtest:
    """Replay [start, end) through every enabled monitor (or only ``only``)."""
    if end <= start:
        raise InvalidParameterError(f"--to {end:%Y-%m-%d %H:%M} is not after --from "
                                    f"{start:%Y-%m-%d %H:%M}; give a later --to.")
    monitors = load_monitors(ws.settings.monitors)
    if only is not None and only not in monitors:
        raise ConfigError(f"There is no monitor '{only}' in applens.toml. Declared: "
                          f"{', '.join(monitors) or 'none'}.")
    result = Backtest(start, end, labels=labels)
    for cfg in monitors.values():
        if (only is not None and cfg.name != only) or (only is None and not cfg.enabled):
            continue
        mark = watermark(ws, cfg)
        if mark is None:
            continue
        judged, _ = _judge_monitor(ws, cfg, end, mark, replay=(start, end))
        result.notices.extend(judged.notices)
        result.slices_judged += judged.slices
        result.steps[cfg.name] = cfg.slice_step
    result.notices.sort(key=lambda n: (n.verdict.slice_start, n.monitor, n.series))
    return result
