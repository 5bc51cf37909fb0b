"""Alert state in the workspace warehouse: what is open, what was judged, what is unsent.

Three tables, written in one transaction per run so a crash or a failed delivery never
leaves them disagreeing:

* ``alerts``: one row per incident (monitor × series × episode), open or resolved.
* ``monitor_progress``: the newest slice judged per monitor and series; replaying a run
  judges nothing twice.
* ``alert_outbox``: grouped messages; ``pending`` until every channel accepted them.

Plus ``monitor_snoozes`` (``applens monitor snooze``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from applens.workspace import Workspace

__all__ = ["Outbox", "ensure_tables", "history_frame", "snooze_until", "set_snooze"]

_DDL = [
    """CREATE TABLE IF NOT EXISTS alerts (
        id VARCHAR PRIMARY KEY, monitor VARCHAR, series VARCHAR,
        slice_start TIMESTAMP, last_slice TIMESTAMP, status VARCHAR, direction VARCHAR,
        value DOUBLE, expected DOUBLE, lower DOUBLE, upper DOUBLE, deviation_pct DOUBLE,
        score DOUBLE, worst_deviation_pct DOUBLE, notified_slice TIMESTAMP,
        notified_deviation_pct DOUBLE, normal_streak INTEGER,
        opened_at TIMESTAMP, resolved_at TIMESTAMP, confirmations INTEGER, unit VARCHAR)""",
    # a workspace made before alerts kept their unit: its old rows read NULL (plain numbers)
    "ALTER TABLE alerts ADD COLUMN IF NOT EXISTS unit VARCHAR",
    """CREATE TABLE IF NOT EXISTS monitor_progress (
        monitor VARCHAR, series VARCHAR, last_slice TIMESTAMP, PRIMARY KEY (monitor, series))""",
    "CREATE SEQUENCE IF NOT EXISTS alert_outbox_id",
    """CREATE TABLE IF NOT EXISTS alert_outbox (
        id BIGINT PRIMARY KEY DEFAULT nextval('alert_outbox_id'), created_at TIMESTAMP,
        channels VARCHAR, title VARCHAR, body VARCHAR, chart BLOB, status VARCHAR,
        attempts INTEGER, last_error VARCHAR, sent_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS monitor_snoozes (
        monitor VARCHAR PRIMARY KEY, until TIMESTAMP)""",
]

ALERT_COLUMNS = ["id", "monitor", "series", "slice_start", "last_slice", "status", "direction",
                 "value", "expected", "lower", "upper", "deviation_pct", "score",
                 "worst_deviation_pct", "notified_slice", "notified_deviation_pct",
                 "normal_streak", "opened_at", "resolved_at", "confirmations", "unit"]


def ensure_tables(ws: Workspace) -> None:
    for statement in _DDL:
        ws.connection.execute(statement)


def open_alerts(ws: Workspace, monitor: str) -> dict[str, dict[str, Any]]:
    """The open (or pending) alert of each series of ``monitor``."""
    rows = ws.connection.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE monitor = ? "
        "AND status IN ('open', 'pending')",
        [monitor]).fetchall()
    return {r[2]: dict(zip(ALERT_COLUMNS, r, strict=True)) for r in rows}


def last_resolved(ws: Workspace, monitor: str) -> dict[str, dict[str, Any]]:
    """The most recently resolved alert of each series of ``monitor``."""
    rows = ws.connection.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE monitor = ? AND status = 'resolved'"
        " ORDER BY resolved_at", [monitor]).fetchall()
    return {r[2]: dict(zip(ALERT_COLUMNS, r, strict=True)) for r in rows}


def save_alert(ws: Workspace, alert: dict[str, Any]) -> None:
    placeholders = ", ".join("?" for _ in ALERT_COLUMNS)
    ws.connection.execute(
        f"INSERT OR REPLACE INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({placeholders})",
        [_plain(alert.get(c)) for c in ALERT_COLUMNS])


def progress(ws: Workspace, monitor: str) -> dict[str, datetime]:
    rows = ws.connection.execute(
        "SELECT series, last_slice FROM monitor_progress WHERE monitor = ?", [monitor]).fetchall()
    return {series: last for series, last in rows}


def save_progress(ws: Workspace, monitor: str, series: str, last: datetime) -> None:
    ws.connection.execute("INSERT OR REPLACE INTO monitor_progress VALUES (?, ?, ?)",
                          [monitor, series, _plain(last)])


def snooze_until(ws: Workspace, monitor: str) -> datetime | None:
    ensure_tables(ws)
    rows = ws.connection.execute(
        "SELECT until FROM monitor_snoozes WHERE monitor = ?", [monitor]).fetchall()
    return rows[0][0] if rows else None


def set_snooze(ws: Workspace, monitor: str, until: datetime | None) -> None:
    """Snooze ``monitor`` until ``until`` (naive UTC); ``None`` lifts the snooze."""
    ensure_tables(ws)
    ws.connection.execute("DELETE FROM monitor_snoozes WHERE monitor = ?", [monitor])
    if until is not None:
        ws.connection.execute("INSERT INTO monitor_snoozes VALUES (?, ?)", [monitor, until])


@dataclass
class Outbox:
    """A queued message: sent once every channel in ``channels`` accepted it."""

    id: int
    channels: list[str]
    title: str
    body: str
    chart: bytes | None
    attempts: int


def queue_message(ws: Workspace, now: datetime, channels: list[str], title: str, body: str,
                  chart: bytes | None) -> None:
    ws.connection.execute(
        "INSERT INTO alert_outbox (created_at, channels, title, body, chart, status, attempts) "
        "VALUES (?, ?, ?, ?, ?, 'pending', 0)", [now, json.dumps(channels), title, body, chart])


def pending_messages(ws: Workspace) -> list[Outbox]:
    rows = ws.connection.execute(
        "SELECT id, channels, title, body, chart, attempts FROM alert_outbox "
        "WHERE status = 'pending' ORDER BY id").fetchall()
    return [Outbox(r[0], json.loads(r[1]), r[2], r[3], r[4], r[5]) for r in rows]


def mark_delivery(ws: Workspace, message: Outbox, failed: dict[str, str], now: datetime) -> None:
    """Sent when no channel failed; else keep it pending for the failed channels only."""
    if not failed:
        ws.connection.execute(
            "UPDATE alert_outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE id = ?", [now, message.id])
        return
    left = [c for c in message.channels if c in failed]
    ws.connection.execute(
        "UPDATE alert_outbox SET channels = ?, attempts = attempts + 1, last_error = ? "
        "WHERE id = ?", [json.dumps(left), "; ".join(failed.values()), message.id])


def history_frame(ws: Workspace, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    ensure_tables(ws)
    where, args = ["status IN ('open', 'resolved')"], []
    if since is not None:
        where.append("coalesce(resolved_at, last_slice) >= ?")
        args.append(_naive(since))
    if until is not None:
        where.append("slice_start < ?")
        args.append(_naive(until))
    sql = (f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts "
           f"WHERE {' AND '.join(where)} ORDER BY slice_start, monitor, series")
    rows = ws.connection.execute(sql, args).fetchall()
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    for column in ("slice_start", "last_slice", "notified_slice", "opened_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _naive(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _plain(value: Any) -> Any:
    """numpy / pandas scalars → Python values DuckDB binds (NaN → NULL)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
