"""The newest scoring run of a model, read from its ``scores_<model>`` table.

``models`` writes the tables and answers ``models.latest_scores`` (which checks the name);
``text`` reads the ticket models' labels from them to measure tickets. Both need the same
query, and ``models`` already imports ``text`` (the ticket models), so it sits below both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["SCORE_COLUMNS", "latest_scores", "scores_table"]

SCORE_COLUMNS = ["entity_type", "entity_id", "score", "rank", "label", "reasons"]


def scores_table(model: str) -> str:
    return f"scores_{model}"


def latest_scores(ws: Workspace, model: str) -> pd.DataFrame:
    """The latest scores of ``model`` (newest date scored, newest run of it): entity_type,
    entity_id, score, rank, label, reasons; an empty frame if it was never scored."""
    table = scores_table(model)
    if not ws.has_table(table):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SCORE_COLUMNS})
    cols = ", ".join(SCORE_COLUMNS)
    # the latest date scored, and of its runs the newest (a retrained model's)
    return ws.connection.execute(
        f'WITH last AS (SELECT as_of, scored_at FROM "{table}" '
        "ORDER BY as_of DESC, scored_at DESC LIMIT 1) "
        f'SELECT {cols} FROM "{table}" JOIN last USING (as_of, scored_at) ORDER BY rank').df()
