"""Monitoring: watch declared metrics per time slice, keep alert state, notify the chat.

    from applens.monitor import run_once, alert_history
    run = run_once(ws)                 # judge the newest complete slices, send one message
    alert_history(ws, since=...)       # every incident, for dashboards and reports
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from applens.monitor.config import MonitorConfig, load_monitors, parse_duration
from applens.monitor.run import MonitorRun, run_once

if TYPE_CHECKING:
    import pandas as pd

    from applens.workspace import Workspace

__all__ = ["MonitorConfig", "MonitorRun", "alert_history", "load_monitors", "parse_duration",
           "readable_alerts", "run_once"]

HISTORY_COLUMNS = ["monitor", "series", "slice_start", "status", "value", "expected", "lower",
                   "upper", "deviation_pct", "opened_at", "resolved_at"]


def alert_history(ws: Workspace, since: datetime | None = None, until: datetime | None = None
                  ) -> pd.DataFrame:
    """One row per incident that overlaps [since, until): where and when it opened, the
    opening slice's value, expected value and band, and when it resolved (NaT: open).

    Extra columns: ``id, last_slice, direction, score, worst_deviation_pct, unit`` (the
    monitor's ``MonitorConfig.unit`` when the alert was saved; None on older rows).
    """
    from applens.monitor.state import history_frame

    frame = history_frame(ws, since, until)
    extra = ["id", "last_slice", "direction", "score", "worst_deviation_pct", "unit"]
    return frame[HISTORY_COLUMNS + extra].reset_index(drop=True)


def readable_alerts(ws: Workspace, frame: pd.DataFrame) -> pd.DataFrame:
    """``alert_history``'s rows with ``value``, ``expected``, ``lower`` and ``upper`` as text
    in each alert's unit (a share as a percentage), for tables people read. The unit is the
    one saved with the alert (so a monitor passed inline, in no applens.toml, reads right);
    a row saved before alerts kept one falls back to the declared monitor's, else plain.
    The ``unit`` column itself is dropped."""
    from applens.errors import ConfigError
    from applens.formatting import metric_value

    try:
        declared = {name: cfg.unit for name, cfg in load_monitors(ws.settings.monitors).items()}
    except ConfigError:  # the table still reads, in plain numbers
        declared = {}
    saved = frame["unit"] if "unit" in frame.columns else [None] * len(frame)
    units = [u if isinstance(u, str) else declared.get(m, "")
             for u, m in zip(saved, frame["monitor"], strict=True)]
    out = frame.drop(columns=["unit"], errors="ignore")
    for column in ("value", "expected", "lower", "upper"):
        if column in out.columns:
            out[column] = [metric_value(v, u) for v, u in zip(out[column], units, strict=True)]
    return out
