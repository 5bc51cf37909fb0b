"""What the Support report section and dashboard page show, computed once: volume by type
per day, the negative share per day, by app version, top terms and the most negative
recent tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from applens._scores import latest_scores
from applens.text.metrics import labelled_tickets, version_jumps

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["SupportSummary", "support_summary"]


@dataclass
class SupportSummary:
    tickets: int
    negative_share: float | None
    by_type: pd.DataFrame  # period, breakdown (type), tickets
    negative_daily: pd.DataFrame  # period, negative_share
    by_version: pd.DataFrame  # app_version, tickets, negative_share, others_share, p, jump
    top_terms: dict[str, list[str]] = field(default_factory=dict)  # filled by the caller
    worst: pd.DataFrame = field(default_factory=pd.DataFrame)  # ts, ticket_id, type, text


def support_summary(ws: Workspace, start: datetime | None = None,
                    end: datetime | None = None, *, worst: int = 10) -> SupportSummary | None:
    """``None`` when the workspace has no tickets (in the range). Every part, the version
    table included, covers the tickets of [start, end) (undated tickets count too)."""
    if not ws.has_table("tickets"):
        return None
    frame = labelled_tickets(ws)
    if start is not None:
        frame = frame[frame["ts"].isna() | ((frame["ts"] >= start) & (frame["ts"] < end))]
    if frame.empty:
        return None
    dated = frame[frame["day"].notna()]
    by_type = (dated.assign(breakdown=dated["type"].fillna("(unlabelled)").astype(str))
               .groupby(["day", "breakdown"]).size().rename("tickets").reset_index()
               .rename(columns={"day": "period"}))
    judged = dated[dated["negative"].notna()]
    negative_daily = (judged.groupby("day")["negative"].mean().astype(float)
                      .rename("negative_share").reset_index().rename(columns={"day": "period"}))
    share = float(frame["negative"].dropna().astype(float).mean()) \
        if frame["negative"].notna().any() else None
    negative = frame[frame["negative"].fillna(False).astype(bool)].copy()
    scores = latest_scores(ws, "tickets-negativity")
    negative["probability"] = negative["ticket_id"].map(scores.set_index("entity_id")["score"])
    negative = negative.sort_values(["ts", "probability"], ascending=[False, False],
                                    na_position="last").head(worst)
    shown: dict[str, Any] = {"ts": negative["ts"], "ticket_id": negative["ticket_id"],
                             "negativity": negative["negativity"], "type": negative["type"],
                             "app_version": negative["app_version"], "text": negative["text"]}
    return SupportSummary(len(frame), share, by_type, negative_daily, version_jumps(frame),
                          {}, pd.DataFrame(shown).reset_index(drop=True))
