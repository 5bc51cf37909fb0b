"""Tickets in the workspace: reading them, and which label columns they carry."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from applens.errors import InsufficientDataError

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["LABELS", "load_tickets", "ts_range"]

# model name -> the tickets column holding its labels
LABELS = {"tickets-negativity": "negativity", "tickets-type": "type"}


def _no_tickets(ws: Workspace, doing: str) -> InsufficientDataError:
    return InsufficientDataError(
        f"The workspace {ws.path} has no tickets to {doing}. Load them with "
        "'applens ingest tickets.csv --table tickets --map ticket_id=ID --map text=TEXT' "
        "(ts, user_id, negativity and type are optional).")


def ts_range(since: datetime | None, until: datetime | None) -> tuple[str, list[datetime]]:
    """`` AND ts >= ? AND ts < ?`` (each only when given) and its parameters."""
    bounds = [(op, at) for op, at in ((">=", since), ("<", until)) if at is not None]
    return "".join(f" AND ts {op} ?" for op, _ in bounds), [at for _, at in bounds]


def load_tickets(ws: Workspace, *, doing: str = "score", label: str | None = None,
                 since: datetime | None = None, until: datetime | None = None
                 ) -> pd.DataFrame:
    """ticket_id, user_id, ts, text (and ``label`` if named: rows without it are left out),
    oldest first; raises ``InsufficientDataError`` with the fix when there are none.
    ``since``/``until`` (UTC, ``until`` excluded) keep the tickets of that range, read in
    the query; none there is an empty frame (the workspace has tickets, just not then)."""
    if not ws.has_table("tickets"):
        raise _no_tickets(ws, doing)
    columns = set(ws.table("tickets").columns)
    wanted = ["ticket_id", "user_id", "ts", "text"]
    if label is not None:
        if label not in columns:
            raise InsufficientDataError(
                f"The tickets have no '{label}' column to learn from. Ingest them with it, "
                f"e.g. --map {label}=COLUMN, or start without labels: 'applens tickets topics'.")
        wanted.append(label)
    where = f" AND nullif(trim({label}), '') IS NOT NULL" if label else ""
    in_range, params = ts_range(since, until)
    frame = ws.connection.execute(
        f"SELECT {', '.join(wanted)} FROM tickets WHERE nullif(trim(text), '') IS NOT NULL"
        f"{where}{in_range} ORDER BY ts NULLS FIRST, ticket_id", params).df()
    if frame.empty and since is None and until is None:
        if label is not None:
            raise InsufficientDataError(
                f"No ticket has a '{label}' label, so there is nothing to learn from. Label "
                "some tickets, or group them without labels: 'applens tickets topics'.")
        raise _no_tickets(ws, doing)
    return frame

