"""Which slice moved the metric of one recorded alert: the dashboard's "explain" link.

The same explanation as the alert message's sentence (``message.explain_notices``): the
monitor's total against the same slot over the previous ``history_days`` days.
"""

from __future__ import annotations

from typing import Any

from applens.errors import NotFoundError
from applens.insights.explain import Explanation
from applens.monitor.config import load_monitors
from applens.monitor.message import _explain_metric, explain_slice

__all__ = ["explain_alert", "explainable_monitors"]


def explainable_monitors(ws: Any) -> set[str]:
    """The declared monitors whose alerts can be explained by slice (a plain count or DAU)."""
    return {name for name, cfg in load_monitors(ws.settings.monitors).items()
            if _explain_metric(cfg) is not None}


def explain_alert(ws: Any, alert_id: str, history_days: int = 7
                  ) -> tuple[dict[str, Any], Explanation | None, str]:
    """The alert's row, its explanation (None when the monitor's metric is not a plain
    count or DAU) and the metric's label; ``NotFoundError`` for an unknown id or a monitor
    that applens.toml does not declare."""
    from applens.monitor.state import ensure_tables

    ensure_tables(ws)
    cursor = ws.connection.execute(
        "SELECT id, monitor, series, slice_start FROM alerts WHERE id = ?", [str(alert_id)])
    row = next(iter(cursor.fetchall()), None)  # fetchone() would leave the result open
    if row is None:
        raise NotFoundError(f"There is no alert {alert_id}; the alert history lists them.")
    alert = dict(zip(("id", "monitor", "series", "slice_start"), row, strict=True))
    cfg = load_monitors(ws.settings.monitors).get(alert["monitor"])
    if cfg is None:
        raise NotFoundError(f"Alert {alert_id} belongs to monitor '{alert['monitor']}', which "
                            "applens.toml does not declare ([monitors.NAME]); run 'applens "
                            "explain METRIC --date DAY' instead.")
    return alert, explain_slice(ws, cfg, alert["slice_start"], history_days), cfg.label
