"""Bots: traffic that is not a person.

With a trained bot model (``applens train`` then ``applens predict``) the section shows what
the model labelled, per user or IP: declared crawlers (the user agent says so) apart from
suspicious traffic (behaviour alone gives it away). Without one it uses the rule the A/B
readouts use to leave bots out (``applens.experiments.bots.bot_users``: machine-regular
pauses), so report and readouts agree. It says which it used, and is left out with its
reason when the data cannot tell a program by its rhythm (events that share a timestamp,
such as the lines of one order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.bots import bot_scatter
from applens.errors import InsufficientDataError
from applens.experiments.bots import bot_users
from applens.models import latest_scores, model_metrics
from applens.models.bot_features import MAX_BATCHED, batched_share
from applens.models.bots import LABEL_BOT, LABEL_DECLARED, LABEL_NORMAL
from applens.report._model import Figure, NamedChart, Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import (
    columns,
    fmt_int,
    fmt_pct,
    require_events,
    utc_bounds,
)

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

NOUNS = {"user": "users", "ip": "IP addresses"}


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


def _model_scores(ws: Workspace) -> pd.DataFrame | None:
    """The latest scores of the trained bot model, or None without one."""
    if "bots" not in model_metrics(ws):
        return None
    scores = latest_scores(ws, "bots")
    return scores if len(scores) else None


@register("bots", order=90)
def bots(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    users = user_activity(ws, period)
    if users.empty:
        raise InsufficientDataError(f"No user was active in {period}: no traffic to judge.")
    users["user_id"] = users["user_id"].astype(str)
    scores = _model_scores(ws)
    if scores is not None:
        return _from_model(ws, users, scores)
    return _from_rule(ws, period, users)


def _from_model(ws: Workspace, users: pd.DataFrame, scores: pd.DataFrame) -> Section:
    kinds = [k for k in ("user", "ip") if (scores["entity_type"] == k).any()]
    main = kinds[0]
    of_main = scores[scores["entity_type"] == main]
    flagged_ids = set(of_main.loc[of_main["label"] != LABEL_NORMAL, "entity_id"].astype(str))
    users["is_bot"] = users["user_id"].isin(flagged_ids)
    section = Section("bots", "Bots", summary=(
        "What the trained bot model labelled in its latest 'applens predict' run: declared "
        "crawlers (their user agent says they are programs) apart from suspicious traffic "
        "(behaviour alone gives it away). Each point is a user: events per active day "
        "against the median seconds between their events."))
    flagged = scores[scores["label"] != LABEL_NORMAL]
    declared = int((scores["label"] == LABEL_DECLARED).sum())
    suspicious = int((scores["label"] == LABEL_BOT).sum())
    section.figures = [Figure("declared crawlers", declared, fmt_int(declared)),
                       Figure("suspicious", suspicious, fmt_int(suspicious))]
    for kind in kinds:
        rows = scores[scores["entity_type"] == kind]
        n_declared = int((rows["label"] == LABEL_DECLARED).sum())
        n_bot = int((rows["label"] == LABEL_BOT).sum())
        section.findings.append(
            f"Of {len(rows):,} {NOUNS[kind]} the model scored, {n_declared:,} are declared "
            f"crawlers and {n_bot:,} look automated without saying so.")
    share = _event_share(users)
    if share is not None and users["is_bot"].any():
        section.figures.append(Figure("their share of events", share, fmt_pct(share)))
        section.findings.append(f"Together they made {fmt_pct(share)} of all events.")
    if len(flagged):
        where = " and block or rate-limit the addresses" if "ip" in kinds else ""
        section.recommendations.append(
            f"Exclude the {len(flagged):,} flagged {NOUNS[main]} from product metrics and A/B "
            f"tests (they inflate views and skew CTR); review the suspicious ones (reasons in "
            f"the table){where}.")
    section.charts = [NamedChart("bots", "Users by activity and regularity",
                                 bot_scatter(users))]
    top = flagged.sort_values("rank").head(20)[["entity_type", "entity_id", "label", "reasons"]]
    if len(top):
        section.tables.append(TableBlock("Flagged by the bot model", top))
    section.data = {"method": "model", "flagged": flagged["entity_id"].head(200).tolist(),
                    "flagged_count": int(len(flagged)), "declared_crawlers": declared,
                    "suspicious": suspicious, "event_share": share}
    return section


def _from_rule(ws: Workspace, period: Period, users: pd.DataFrame) -> Section:
    start, end = utc_bounds(ws, period)
    events = ws.table("events")
    batched = batched_share(events.filter((events.ts >= start) & (events.ts < end)))
    if batched > MAX_BATCHED:
        raise InsufficientDataError(
            f"{fmt_pct(batched, 0)} of consecutive events of a user share one timestamp "
            "(order lines or batched uploads), so their rhythm cannot tell a program from a "
            "person; train the bot model on data with one event per action.")
    ids = set(bot_users(events, start=start, end=end).to_pyarrow().column(0).to_pylist())
    users["is_bot"] = users["user_id"].isin({str(i) for i in ids})
    flagged = users[users["is_bot"]]
    how = ("flagged by the bot model's rhythm rule, which the A/B readouts use too: half "
           "their pauses within 10% of the usual one, over 30 or more actions (train the "
           "bot model for a fuller judge)")
    section = Section("bots", "Bots", summary=(
        f"Each point is a user: events per active day against the median seconds between "
        f"their events; suspected bots are {how}."))
    share = _event_share(users) or 0.0
    section.figures = [Figure("suspected bots", len(flagged), fmt_int(len(flagged))),
                       Figure("their share of events", share, fmt_pct(share))]
    if len(flagged):
        section.findings.append(
            f"{len(flagged):,} of {len(users):,} users act at a machine's regular pace and "
            f"made {fmt_pct(share)} of all events.")
        check_ips = (", and check their IP addresses for scraping"
                     if "ip" in columns(ws, "events") and _has_ips(ws) else "")
        section.recommendations.append(
            f"Exclude the {len(flagged):,} suspected bots from product metrics and A/B tests "
            f"(they inflate views and skew CTR){check_ips}.")
    else:
        section.findings.append(f"No user looks automated ({how}).")
    section.charts = [NamedChart("bots", "Users by activity and regularity",
                                 bot_scatter(users))]
    section.data = {"method": "rule", "flagged": flagged["user_id"].head(200).tolist(),
                    "flagged_count": int(len(flagged)), "event_share": share}
    return section


def _event_share(users: pd.DataFrame) -> float | None:
    total = users["events"].sum()
    return float(users.loc[users["is_bot"], "events"].sum() / total) if total else None


def _has_ips(ws: Workspace) -> bool:
    return bool(ws.connection.execute(
        "SELECT EXISTS (SELECT 1 FROM events WHERE ip IS NOT NULL AND ip <> '')").fetchall()[0][0])
