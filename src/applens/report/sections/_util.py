"""Small helpers the section functions share: columns, UTC bounds, number formats."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from applens import formatting
from applens.errors import InsufficientDataError

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

__all__ = ["columns", "count", "fmt_int", "fmt_pct", "fmt_pp", "optional", "require_events",
           "utc_bounds"]


def columns(ws: Workspace, table: str) -> list[str]:
    """Column names of a warehouse table ([] when the table does not exist)."""
    if not ws.has_table(table):
        return []
    rows = ws.connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'",
        [table]).fetchall()
    return [r[0] for r in rows]


def require_events(ws: Workspace) -> None:
    """Raise the skip reason of an event section when the workspace has no events."""
    if not ws.has_table("events") or not count(ws, "SELECT count(*) FROM (SELECT 1 FROM events "
                                                  "LIMIT 1)"):
        what = "only a users table" if ws.has_table("users") else "nothing ingested yet"
        raise InsufficientDataError(
            f"There are no events in this workspace ({what}); ingest an events file to see it.")


def utc_bounds(ws: Workspace, period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's local days as naive UTC instants [start, end) (how ``ts`` is stored)."""
    zone = ZoneInfo(ws.settings.timezone)

    def utc(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    return utc(period.start), utc(period.end + dt.timedelta(days=1))


def count(ws: Workspace, sql: str, params: list[Any] | None = None) -> Any:
    """The first value of the first row of a query."""
    return ws.connection.execute(sql, params or []).fetchall()[0][0]


def optional(module: str, name: str) -> Any:
    """``module.name`` if another part of applens provides it yet, else None."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


fmt_int = formatting.count  # the shared formats (applens.formatting), under their old names
fmt_pct = formatting.percent
fmt_pp = formatting.pp
