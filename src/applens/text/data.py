"""Tickets in the workspace: reading them, and which label columns they carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.errors import InsufficientDataError

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["LABELS", "load_tickets"]

# model name -> the tickets column holding its labels
LABELS = {"tickets-negativity": "negativity", "tickets-type": "type"}


def _no_tickets(ws: Workspace, doing: str) -> InsufficientDataError:
    return InsufficientDataError(
        f"The workspace {ws.path} has no tickets to {doing}. Load them with "
        "'applens ingest tickets.csv --table tickets --map ticket_id=ID --map text=TEXT' "
        "(ts, user_id, negativity and type are optional).")


def load_tickets(ws: Workspace, *, doing: str = "score", label: str | None = None
                 ) -> pd.DataFrame:
    """ticket_id, user_id, ts, text (and ``label`` if named: rows without it are left out),
    oldest first; raises ``InsufficientDataError`` with the fix when there are none."""
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
    frame = ws.connection.execute(
        f"SELECT {', '.join(wanted)} FROM tickets WHERE nullif(trim(text), '') IS NOT NULL"
        f"{where} ORDER BY ts NULLS FIRST, ticket_id").df()
    if frame.empty:
        if label is not None:
            raise InsufficientDataError(
                f"No ticket has a '{label}' label, so there is nothing to learn from. Label "
                "some tickets, or group them without labels: 'applens tickets topics'.")
        raise _no_tickets(ws, doing)
    return frame

