"""Tickets as product metrics: daily volume by request type, the negative share, and both
by the app version the ticket's user ran at the time.

A ticket's labels are the ones it was ingested with, else the latest predictions of the
``tickets-type`` / ``tickets-negativity`` models (``scores_<model>``). Negative means any
negativity label other than a neutral one (``neutral``, ``ok``, ``positive``…).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from applens._proportions import ALPHA, MIN_TICKETS, bonferroni_threshold, share_p_value
from applens._scores import latest_scores
from applens.text.data import load_tickets, ts_range

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["NEUTRAL", "UNKNOWN", "daily_ticket_metrics", "labelled_tickets", "release_jumps",
           "version_jumps"]

UNKNOWN = "(unknown)"  # the slice of tickets without a type or an app version
NEUTRAL = ("neutral", "ok", "positive", "not_toxic", "non-toxic", "none", "0", "0.0")


def _predicted(ws: Workspace, model: str) -> dict[str, str]:
    """ticket_id -> the label of the model's latest scoring run (empty: never scored)."""
    scores = latest_scores(ws, model)
    return dict(zip(scores["entity_id"], scores["label"], strict=True))


def _app_versions(ws: Workspace, tickets: pd.DataFrame) -> pd.Series:
    """The app_version of each ticket's user at the ticket's time (last event before it)."""
    if not ws.has_table("events") or "app_version" not in ws.table("events").columns:
        return pd.Series([None] * len(tickets), index=tickets.index, dtype=object)
    con = ws.connection
    con.register("_applens_tk", tickets[["ticket_id", "user_id", "ts"]])
    try:
        # ASOF: each ticket meets its user's one latest event at or before it (sorted and
        # merged); a plain join paired every ticket with all of its user's earlier events.
        found = con.execute(
            "SELECT t.ticket_id, e.app_version FROM _applens_tk t ASOF JOIN (SELECT user_id, "
            "ts, app_version FROM events WHERE app_version IS NOT NULL) e "
            "ON e.user_id = t.user_id AND e.ts <= t.ts").df()
    finally:
        con.unregister("_applens_tk")
    return tickets["ticket_id"].map(dict(zip(found["ticket_id"], found["app_version"],
                                             strict=True)))


def labelled_tickets(ws: Workspace, *, since: datetime | None = None,
                     until: datetime | None = None) -> pd.DataFrame:
    """Every ticket (of ``since``..``until``, UTC, end excluded: see ``load_tickets``) with
    ``type``, ``negativity``, ``negative`` (bool or NA), ``day`` and ``app_version`` (None
    where unknown)."""
    frame = load_tickets(ws, doing="measure", since=since, until=until)
    given_columns = [c for c in ("type", "negativity") if c in ws.table("tickets").columns]
    in_range, params = ts_range(since, until)
    given = (ws.connection.execute(
        f"SELECT ticket_id, {', '.join(given_columns)} FROM tickets WHERE true{in_range}",
        params).df().set_index("ticket_id") if given_columns else pd.DataFrame())
    for column, model in (("type", "tickets-type"), ("negativity", "tickets-negativity")):
        values = (frame["ticket_id"].map(given[column]) if column in given.columns
                  else pd.Series(None, index=frame.index, dtype=object))
        values = values.fillna(frame["ticket_id"].map(_predicted(ws, model)))
        frame[column] = values.where(values.notna() & (values.astype(str).str.strip() != ""))
    known = frame["negativity"].notna()
    frame["negative"] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    frame.loc[known, "negative"] = ~frame.loc[known, "negativity"].astype(str).str.lower() \
        .str.strip().isin(NEUTRAL)
    frame["day"] = pd.to_datetime(frame["ts"]).dt.floor("D")
    frame["app_version"] = _app_versions(ws, frame)
    return frame


def daily_ticket_metrics(ws: Workspace, *, by: str | None = None,
                         since: datetime | None = None, until: datetime | None = None
                         ) -> pd.DataFrame:
    """Per day (and ``by``: ``type`` or ``app_version``): tickets, those whose negativity
    is known (``judged``), negative tickets and the negative share (negative / judged).
    ``since``/``until`` (UTC, end excluded) read only that range's tickets."""
    frame = labelled_tickets(ws, since=since, until=until)
    frame = frame[frame["day"].notna()]
    keys = ["day", *([by] if by else [])]
    if by:
        frame = frame.assign(**{by: frame[by].fillna(UNKNOWN).astype(str)})
    grouped = frame.groupby(keys, sort=True)
    out = grouped.agg(tickets=("ticket_id", "size"),
                      judged=("negative", "count"),
                      negative=("negative", "sum")).reset_index()
    out["negative"] = out["negative"].astype(int)
    out["negative_share"] = (out["negative"] / out["judged"].where(out["judged"] > 0))
    return out


def release_jumps(ws: Workspace, *, min_tickets: int = MIN_TICKETS, alpha: float = ALPHA
                  ) -> pd.DataFrame:
    """``version_jumps`` of every ticket in the workspace."""
    return version_jumps(labelled_tickets(ws), min_tickets=min_tickets, alpha=alpha)


def version_jumps(frame: pd.DataFrame, *, min_tickets: int = MIN_TICKETS, alpha: float = ALPHA
                  ) -> pd.DataFrame:
    """Per app version of ``labelled_tickets`` rows (a period's, say): its negative share
    against all other versions' together. ``jump`` is True when it is significantly higher
    by the tickets monitor's own test (``applens._proportions``: Fisher's exact test, one
    tail, ``alpha`` split over the versions compared), so the table and the monitor agree;
    ``threshold`` is the p-value each version had to beat. A version with fewer than
    ``min_tickets`` judged tickets (or others) is not compared."""
    frame = frame[frame["negative"].notna() & frame["app_version"].notna()]
    negative = frame["negative"].astype(bool)
    hits = negative.groupby(frame["app_version"]).sum()
    trials = frame.groupby("app_version").size()
    base_hits, base_trials = hits.sum() - hits, trials.sum() - trials
    ok = (trials >= min_tickets) & (base_trials >= min_tickets)
    hits, trials, base_hits, base_trials = (s[ok] for s in (hits, trials, base_hits, base_trials))
    p = share_p_value(hits, trials, base_hits, base_trials, "spike")
    threshold = bonferroni_threshold(alpha, comparisons=len(trials), direction="spike")
    out = pd.DataFrame({"app_version": trials.index.astype(str), "tickets": trials.to_numpy(int),
                        "negative_share": (hits / trials).to_numpy(float),
                        "others_share": (base_hits / base_trials).to_numpy(float),
                        "p_value": np.asarray(p, float), "threshold": threshold})
    out["jump"] = out["p_value"] < threshold
    return out.sort_values("app_version", kind="stable").reset_index(drop=True)
