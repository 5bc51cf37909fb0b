"""The alert lifecycle of one series: open once, repeat after the cooldown or when worse,
resolve after a few normal slices. With ``confirm = n`` an alert is first ``pending`` and
opens only when the next n - 1 slices are still as far off (one-slice blips are
``discarded`` unannounced). Pure Python over already-scored slices.

An open alert stays open while the metric is still at least half as far from expected
(same direction) as when it opened. Not "while the detector flags it": self-calibrated
detectors raise their bar after a record (an outage would close after one slice) and
their level-shift views lag behind a recovery (it would never close).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Notice", "SliceVerdict", "step_alert"]


@dataclass(frozen=True)
class SliceVerdict:
    """One judged slice of one series."""

    slice_start: datetime
    value: float
    expected: float
    lower: float
    upper: float
    score: float
    hot: bool  # the detector flags it and the guards pass
    p_value: float = math.nan  # a share judge's count test (NaN: an anomaly detector judged)

    @property
    def deviation_pct(self) -> float:
        if not math.isfinite(self.expected) or self.expected == 0 or not math.isfinite(self.value):
            return math.nan
        return (self.value - self.expected) / abs(self.expected) * 100.0

    @property
    def direction(self) -> str:
        return "drop" if self.value < self.expected else "spike"


@dataclass(frozen=True)
class Notice:
    """Something to tell people: ``opened``, ``worse``, ``repeat`` or ``resolved``."""

    kind: str
    monitor: str
    series: str
    verdict: SliceVerdict
    alert: dict[str, Any] = field(default_factory=dict)


def _abs(x: float | None) -> float:
    return abs(x) if x is not None and math.isfinite(x) else 0.0


def step_alert(
    alert: dict[str, Any] | None,
    v: SliceVerdict,
    *,
    monitor: str,
    series: str,
    step: timedelta,
    cooldown: timedelta,
    worse_factor: float,
    resolve_after: int,
    previous: dict[str, Any] | None = None,
    confirm: int = 1,
) -> tuple[dict[str, Any] | None, Notice | None]:
    """The series' alert after slice ``v`` (``None``: no open alert) and what to announce.

    ``previous`` is the series' last resolved alert: within ``cooldown`` of its end, a new
    alert in the same direction opens only if it is worse (the detector's level views lag
    behind a recovery and would re-open the incident they just closed).
    """
    dev = v.deviation_pct
    if alert is None:
        if not v.hot:
            return None, None
        if (previous is not None and previous["direction"] == v.direction
                and v.slice_start - previous["resolved_at"] < cooldown
                and _abs(dev) <= _abs(previous["worst_deviation_pct"])):
            return None, None
        alert = {
            "id": f"{monitor}|{series}|{v.slice_start:%Y-%m-%dT%H:%M}", "monitor": monitor,
            "series": series, "slice_start": v.slice_start, "last_slice": v.slice_start,
            "status": "open", "direction": v.direction, "value": v.value,
            "expected": v.expected, "lower": v.lower, "upper": v.upper, "deviation_pct": dev,
            "score": v.score, "worst_deviation_pct": dev, "notified_slice": v.slice_start,
            "notified_deviation_pct": dev, "normal_streak": 0, "opened_at": v.slice_start,
            "resolved_at": None, "confirmations": 1,
        }
        if confirm > 1:  # wait for the next slices to confirm before paging anyone
            alert["status"] = "pending"
            return alert, None
        return alert, Notice("opened", monitor, series, v, dict(alert))
    alert = dict(alert)
    same_side = v.direction == alert["direction"]
    opening = alert["deviation_pct"]
    if opening is None or not math.isfinite(opening):  # expected was 0: only the detector
        still = v.hot and same_side
    else:
        still = same_side and math.isfinite(dev) and abs(dev) >= 0.5 * abs(opening)
    if alert["status"] == "pending":
        if not still:
            alert["status"] = "discarded"  # a one-slice blip, never announced
            return alert, None
        alert["confirmations"] = int(alert["confirmations"] or 1) + 1
        alert["last_slice"] = v.slice_start
        if _abs(dev) > _abs(alert["worst_deviation_pct"]):
            alert["worst_deviation_pct"] = dev
        if alert["confirmations"] < confirm:
            return alert, None
        alert.update(status="open", notified_slice=v.slice_start, notified_deviation_pct=dev)
        return alert, Notice("opened", monitor, series, v, dict(alert))
    if not still:
        alert["normal_streak"] = int(alert["normal_streak"] or 0) + 1
        if alert["normal_streak"] < resolve_after:
            return alert, None
        alert["status"] = "resolved"
        alert["resolved_at"] = v.slice_start - step * (resolve_after - 1)
        return alert, Notice("resolved", monitor, series, v, dict(alert))
    alert["normal_streak"] = 0
    alert["last_slice"] = v.slice_start
    if _abs(dev) > _abs(alert["worst_deviation_pct"]):
        alert["worst_deviation_pct"] = dev
    kind = None
    if v.hot and _abs(dev) >= worse_factor * _abs(alert["notified_deviation_pct"]) > 0:
        kind = "worse"
    elif v.slice_start - alert["notified_slice"] >= cooldown:
        kind = "repeat"
    if kind is None:
        return alert, None
    alert["notified_slice"] = v.slice_start
    alert["notified_deviation_pct"] = dev
    return alert, Notice(kind, monitor, series, v, dict(alert))
