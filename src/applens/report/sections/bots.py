"""Bots: users whose activity is too fast and regular to be a person.

Scores come from the bot model when one is trained (``applens.models.latest_scores``);
without one a plain rule flags users whose median gap between events is under
``MAX_GAP_SECONDS`` and who make at least ``MIN_EVENTS_PER_DAY`` events per active day
(people in a busy session also act every few seconds, but not all day long). The section
says which it used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.bots import bot_scatter
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import fmt_int, fmt_pct, optional, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

MAX_GAP_SECONDS = 5.0
MIN_EVENTS_PER_DAY = 150


def user_activity(ws: Workspace, period: Period) -> pd.DataFrame:
    """Per user: events, active days, events per active day, median seconds between events."""
    start, end = utc_bounds(ws, period)
    return ws.connection.execute(
        "WITH e AS (SELECT user_id, ts, epoch(ts) - epoch(lag(ts) OVER "
        "(PARTITION BY user_id ORDER BY ts)) AS gap FROM events WHERE ts >= ? AND ts < ?) "
        "SELECT user_id, count(*) AS events, count(DISTINCT CAST(ts AS DATE)) AS active_days, "
        "count(*) / count(DISTINCT CAST(ts AS DATE)) AS events_per_day, "
        "coalesce(median(gap), 0) AS median_gap_seconds FROM e GROUP BY user_id",
        [start, end]).df()


def _model_flags(ws: Workspace) -> pd.Series | None:
    """user_id -> flagged, from the trained bot model if there is one."""
    latest = optional("applens.models", "latest_scores")
    if latest is None:
        return None
    try:
        scores = latest(ws, "bots")
    except Exception:  # noqa: BLE001 - no trained model is not an error for a report
        return None
    if scores is None or len(scores) == 0:
        return None
    if "user_id" not in scores.columns and "entity_id" in scores.columns:
        scores = scores.rename(columns={"entity_id": "user_id"})  # latest_scores' name
    if "user_id" not in scores.columns:
        return None
    for column in ("is_bot", "flagged", "score", "prediction"):
        if column in scores.columns:
            flags = scores.set_index(scores["user_id"].astype(str))[column]
            return flags.astype(float) >= 0.5
    return None


@register("bots", order=90)
def bots(ws: Workspace, period: Period) -> Section | None:
    if not ws.has_table("events"):
        return None
    users = user_activity(ws, period)
    if users.empty:
        return None
    users["user_id"] = users["user_id"].astype(str)
    flags = _model_flags(ws)
    if flags is not None:
        users["is_bot"] = users["user_id"].map(flags).fillna(False).astype(bool)
        how = "flagged by the trained bot model"
    else:
        users["is_bot"] = ((users["median_gap_seconds"] < MAX_GAP_SECONDS)
                           & (users["events_per_day"] >= MIN_EVENTS_PER_DAY))
        how = (f"flagged by a rule: median gap under {MAX_GAP_SECONDS:g} s and at least "
               f"{MIN_EVENTS_PER_DAY} events per active day (train the bot model for a "
               "better judge)")
    flagged = users[users["is_bot"]]
    share_events = flagged["events"].sum() / users["events"].sum()
    section = Section("bots", "Bots", summary=(
        f"Each point is a user: events per active day against the median seconds between "
        f"their events; suspected bots are {how}."))
    section.figures = [Figure("suspected bots", len(flagged), fmt_int(len(flagged))),
                       Figure("their share of events", float(share_events),
                              fmt_pct(share_events))]
    if len(flagged):
        section.findings.append(
            f"{len(flagged):,} of {len(users):,} users look automated and made "
            f"{fmt_pct(share_events)} of all events (median gap "
            f"{flagged['median_gap_seconds'].median():.1f} s vs "
            f"{users.loc[~users['is_bot'], 'median_gap_seconds'].median():.1f} s for others).")
        section.recommendations.append(
            f"Exclude the {len(flagged):,} suspected bots from product metrics and A/B tests "
            "(they inflate views and skew CTR), and check their IPs for scraping.")
    else:
        section.findings.append(f"No user looks automated ({how}).")
    section.charts = [NamedChart("bots", "Users by activity and regularity",
                                 bot_scatter(users))]
    section.data = {"method": "model" if flags is not None else "rule",
                    "flagged": flagged["user_id"].head(200).tolist(),
                    "flagged_count": int(len(flagged)), "event_share": float(share_events)}
    return section
