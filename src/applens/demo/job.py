"""``applens demo``: build a demo workspace, ingest it and run every analysis applens has.

Each analysis is a small function from the workspace (and what was planted) to a finding.
The job writes one JSON file per analysis under ``outputs/`` and returns the findings, so the
CLI can print them and tests can check them against ``ground_truth.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from applens._files import atomic_write
from applens.demo._truth import GroundTruth
from applens.demo.generate import generate
from applens.formatting import p_equals, percent
from applens.ingest import ingest
from applens.workspace import Workspace

__all__ = ["DemoRun", "Finding", "run_demo"]


@dataclass(frozen=True)
class Finding:
    section: str
    headline: str  # one sentence for the console
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoRun:
    workspace: Path
    findings: list[Finding]
    outputs: Path

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": str(self.workspace), "outputs": str(self.outputs),
                "findings": [f.__dict__ for f in self.findings]}


def _day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.rstrip("Z"))


def _overview(ws: Workspace, truth: GroundTruth) -> Finding:
    events, users, first, last = ws.connection.execute(
        "SELECT count(*), count(DISTINCT user_id), min(ts), max(ts) FROM events").fetchall()[0]
    rejects = ws.connection.execute("SELECT count(*) FROM rejects").fetchall()[0][0]
    return Finding("data", f"{events:,} events from {users:,} users, {first:%Y-%m-%d} to "
                   f"{last:%Y-%m-%d}; {rejects} rows rejected",
                   {"events": events, "users": users, "first": str(first), "last": str(last),
                    "rejects": rejects})


def _activity(ws: Workspace, truth: GroundTruth) -> Finding:
    from applens.insights import query

    end = _day(truth.data.end)
    result = query({"kind": "active_users", "math": ["dau", "wau", "mau"], "interval": "day",
                    "date_from": (end - dt.timedelta(days=28)).date().isoformat(),
                    "date_to": (end - dt.timedelta(days=1)).date().isoformat()}, ws).to_dict()
    dau, wau, mau = result["dau"][-1], result["wau"][-1], result["mau"][-1]
    return Finding("activity", f"Last day: DAU {dau:,}, WAU {wau:,}, MAU {mau:,}; "
                   f"stickiness DAU/MAU {dau / mau:.0%}", result)


def _retention(ws: Workspace, truth: GroundTruth) -> Finding:
    from applens.insights import query

    start, end = _day(truth.data.start), _day(truth.data.end)
    result = query({"kind": "retention", "interval": "day", "total_intervals": 8,
                    "retention_type": "first_time",
                    "date_from": start.date().isoformat(),
                    "date_to": (end - dt.timedelta(days=8)).date().isoformat(),
                    "breakdown": {"type": "person", "property": "source"}}, ws).to_dict()
    day7 = {}
    for source, grid in result["by_breakdown"].items():
        cohorts = np.array([row for row in grid if row and row[0]], dtype=float)
        day7[source] = float(cohorts[:, 7].sum() / cohorts[:, 0].sum()) if len(cohorts) else None
    gap = (day7.get("organic") or 0) - (day7.get("ads") or 0)
    return Finding("retention", f"Day-7 retention: organic {day7.get('organic', 0):.1%}, "
                   f"ads {day7.get('ads', 0):.1%} ({gap * 100:+.1f} pp organic vs ads)",
                   {"day7": day7, "grid": result})


def _funnel(ws: Workspace, truth: GroundTruth) -> Finding:
    from applens.insights import query

    end = _day(truth.data.end)
    result = query({"kind": "funnel", "steps": [{"event": "app_open"}, {"event": "view"},
                                                {"event": "like"}, {"event": "message"}],
                    "conversion_window": {"value": 1, "unit": "day"},
                    "date_from": (end - dt.timedelta(days=7)).date().isoformat(),
                    "date_to": (end - dt.timedelta(days=1)).date().isoformat()}, ws).to_dict()
    rates = " → ".join(f"{r:.0%}" for r in result["conversion_rates"])
    return Finding("funnel", f"Funnel app_open → view → like → message (1 day): {rates}", result)


def _experiment(ws: Workspace, truth: GroundTruth) -> Finding:
    from applens.experiments.analyze import analyze_frame
    from applens.experiments.bots import bot_users
    from applens.experiments.warehouse import EventMetric, per_user_metrics

    exp = truth.experiment
    per_user = per_user_metrics(
        ws.table("events"), [EventMetric("likes", "like"), EventMetric("views", "view")],
        start=_day(exp.start), end=_day(exp.end), salt=exp.salt, weights=exp.weights,
        names=[str(g) for g in exp.groups],
    )
    # The planted effect is on people: leave out machine-regular users (experiments/bots.py).
    bots = bot_users(ws.table("events"), start=_day(exp.start), end=_day(exp.end))
    n_bots = int(per_user.semi_join(bots, "user_id").count().execute())
    per_user = per_user.anti_join(bots, "user_id").execute()
    per_user = per_user[per_user["views"] > 0]
    readouts = {}
    for label, (control, treatment) in {"ab": (exp.control, exp.treatment),
                                        "aa": tuple(exp.aa_groups)}.items():
        pair = per_user[per_user["group"].isin([str(control), str(treatment)])]
        readout = analyze_frame(pair, group_col="group", metrics=["ctr=likes/views"],
                                control=str(control), robust=False)
        readouts[label] = readout.to_dict()
    ab = readouts["ab"]["metrics"][0]
    aa = readouts["aa"]["metrics"][0]
    return Finding(
        "experiment",
        f"CTR test {exp.treatment} vs {exp.control}: {ab['difference']:+.4f} "
        f"({p_equals(ab['p_value'])}); A/A {exp.aa_groups[0]} vs {exp.aa_groups[1]}: "
        f"{aa['difference']:+.4f} ({p_equals(aa['p_value'])}); {n_bots} bots left out",
        {"readouts": readouts, "planted_effect": exp.true_effect, "bots_excluded": n_bots},
    )


# The demo's monitors, as they would read in applens.toml. Events per os × app_version
# come from a few people per 15 minutes at night (each a burst of views), so a slice that
# usually has fewer than 6 people in a slot is never judged: the events are series B,
# the people behind them series A (the guarded volume). Judging those quiet slots gave
# 3-20 "-100 %" drops a month that nobody planted, different for every seed and end date.
# The planted outage is one a team would want paged (issue 15): it hits the Android slice
# most people are on (4.9.0, demo/generate.py picks it from the population) at the evening
# peak, 17-20 UTC. There that slice usually has 6.7, 7.1 and 6.8 people per 15 minutes at
# 3000 users (seeds 7-9; 11.8 at the README's 5000), and the hole's 3-hour sum is -3.1,
# -4.8 and -4.3 sigma of the same window's daily sums (-4.4). The earlier outage slice,
# Android x 5.0.0 at 13:00, had 3.1-3.4 people (below the minimum, never judged) and a
# hole of -2.5 to -3.3 sigma by that measure (-2.1 under its own 3-hour sums' dispersion),
# while quiet slices reach -3.3 to -4.4 with no incident: no minimum volume or count test
# could find it without paging on noise, and no detector setting was changed for it.
# Every events alert must be confirmed by two more slices (45 minutes; the outage lasts
# 3 hours, 12 slices): slices of 6-10 people now judged show a chance two-slot zero now
# and then (iOS x 4.9.0: 0 events against 72 expected, 3000 users over 28 days; Android
# x 4.9.0 at 5000 users: 0 against 136), which a second slice alone confirmed. That
# monitor pages on drops only.
# A series born inside the monitor's history is judged after a week of it (its weekly
# pattern).
DEMO_MONITORS: dict[str, dict[str, Any]] = {
    "events": {"series": [{"math": "dau"}, {"math": "total"}], "formula": "B",
               "dimensions": ["os", "app_version"], "direction": "drop", "confirm": 3,
               "min_volume": 6, "min_abs_change": 10},
    "active_users": {"math": "dau", "confirm": 2, "min_volume": 10, "min_abs_change": 5,
                     "params": {"threshold": 1.1}},
}


def _anomalies(ws: Workspace, truth: GroundTruth) -> Finding:
    """The month replayed through the monitor: every complete 15-minute slice judged once,
    alert state in the warehouse (``applens monitor history`` shows it afterwards)."""
    from applens.monitor import alert_history, run_once

    start, end = _day(truth.data.start), _day(truth.data.end)
    month = f"{(end - start).days + 1}d"
    monitors = {name: {**table, "history": month, "catch_up": month}
                for name, table in DEMO_MONITORS.items()}
    run_once(ws, now=end, monitors=monitors)
    history = alert_history(ws)
    alerts = []
    for row in history.itertuples(index=False):
        dims = dict(part.split("=", 1) for part in row.series.split(", ") if "=" in part)
        alerts.append({"monitor": row.monitor, "series": row.series, **dims,
                       "slot": str(row.slice_start), "direction": row.direction,
                       "value": float(row.value), "expected": round(float(row.expected), 1),
                       "deviation_pct": round(float(row.deviation_pct), 1)})
    outage, campaign = truth.outage, truth.campaign
    o_start, o_end = _day(outage.start), _day(outage.end)
    caught = [a for a in alerts if a["monitor"] == "events" and a.get("os") == outage.os
              and a.get("app_version") == outage.app_version
              and o_start <= dt.datetime.fromisoformat(a["slot"]) < o_end]
    spikes = [a for a in alerts if a["monitor"] == "active_users" and a["direction"] == "spike"
              and a["slot"].startswith(campaign.date)]
    verdict = (f"found at {caught[0]['slot'][11:16]} ({len(caught)} alert)" if len(caught) == 1
               else f"found ({len(caught)} alerts)" if caught else "MISSED")
    reported = (f"reported at {spikes[0]['slot'][11:16]} ({spikes[0]['deviation_pct']:+.0f} % "
                "active users)" if spikes else "MISSED")
    return Finding("anomalies", f"{len(alerts)} alerts over the month; planted outage "
                   f"{outage.os}/{outage.app_version} {outage.start[5:16].replace('T', ' ')}: "
                   f"{verdict}; campaign {campaign.date[5:]}: {reported}",
                   {"alerts": alerts, "outage_alerts": caught, "campaign_alerts": spikes,
                    "monitors": DEMO_MONITORS})


# The demo's tickets monitor, as it would read in applens.toml: the negative share per app
# version, judged on its ticket counts against the other versions' (a month is too short
# for a detector's weeks of daily history).
DEMO_TICKET_MONITORS: dict[str, dict[str, Any]] = {
    "complaints": {"tickets": "negative_share", "dimensions": ["app_version"],
                   "direction": "spike"},
}


def _support(ws: Workspace, truth: GroundTruth) -> Finding:
    """The tickets through their monitor: does it page on the planted complaint spike
    (``data/tickets_truth.json``) on the buggy release, and on nothing else?"""
    from applens.monitor import alert_history, run_once
    from applens.text.metrics import labelled_tickets

    planted = json.loads((ws.path / "data" / "tickets_truth.json").read_text(encoding="utf-8"))
    start, end = _day(truth.data.start), _day(truth.data.end)
    month = f"{(end - start).days + 1}d"
    run_once(ws, now=end, monitors={name: {**table, "history": month, "catch_up": month}
                                    for name, table in DEMO_TICKET_MONITORS.items()})
    history = alert_history(ws)
    history = history[history["monitor"].isin(list(DEMO_TICKET_MONITORS))]
    alerts = [{"series": row.series, "day": str(row.slice_start)[:10],
               "value": float(row.value), "expected": float(row.expected)}
              for row in history.itertuples(index=False)]
    buggy, release = planted["buggy_app_version"], planted["release"]
    caught = [a for a in alerts if a["series"] == f"app_version={buggy}" and a["day"] >= release]
    tickets = labelled_tickets(ws)
    share = float(tickets["negative"].dropna().astype(float).mean())
    found = (f"alert {caught[0]['day'][5:]} ({percent(caught[0]['value'])} vs "
             f"{percent(caught[0]['expected'])} on other versions)" if caught else "MISSED")
    others = len(alerts) - len(caught)
    return Finding("support", f"{len(tickets):,} tickets, {percent(share)} negative; "
                   f"complaints on {buggy} (planted from {release[5:]}): {found}"
                   + (f"; {others} other alert{'s' * (others != 1)}" if others else ""),
                   {"alerts": alerts, "complaint_alerts": caught, "tickets": len(tickets),
                    "negative_share": share, "planted": planted,
                    "monitors": DEMO_TICKET_MONITORS})


def _models(ws: Workspace, truth: GroundTruth) -> Finding:
    """Train and run the four models as ``applens train`` / ``applens predict`` would, and
    check what they say against the planted bots and the buggy release. A small demo may
    not support every model; those are named as skipped, with the reason."""
    from applens.errors import InsufficientDataError
    from applens.models import MODELS, crash_summary, predict, train

    try:  # the event models (the ticket models learn the planted labels in the tests)
        reports = train(ws, [name for name in MODELS if MODELS[name].needs_events])
    except InsufficientDataError as exc:
        return Finding("models", f"not trained: {exc}", {"skipped": str(exc)})
    scores = predict(ws)  # what it also stored in the scores_<model> tables
    trained = {name: r for name, r in reports.items() if r.estimator != "skipped"}
    parts: list[str] = []
    data: dict[str, Any] = {"train": {
        name: {"version": r.version, "estimator": r.estimator, "metrics": r.metrics,
               "skipped": r.metadata.get("skipped")} for name, r in reports.items()}}
    if "churn" in trained:
        parts.append(f"churn ROC-AUC {trained['churn'].metrics['roc_auc']:.2f} "
                     f"({trained['churn'].estimator})")
    summary = crash_summary(ws)
    if len(summary):
        data["worst_app_version"] = worst = str(summary.iloc[0]["app_version"])
        parts.append(f"crash rate worst on {worst} (planted {truth.buggy_app_version})")
    if "bots" in trained:
        bots = scores["bots"]
        flagged = bots[bots.label == "bot"]
        planted = {"user": set(truth.bots.user_ids), "ip": set(truth.bots.ips)}
        found = {kind: sorted(set(flagged.entity_id[flagged.entity_type == kind]) & ids)
                 for kind, ids in planted.items()}
        data.update(bots_flagged=int(len(flagged)), planted_bots_found=found)
        parts.append(f"bots flagged {len(found['user'])}/{len(planted['user'])} planted users "
                     f"and {len(found['ip'])}/{len(planted['ip'])} IPs among {len(flagged)} "
                     "flagged")
    if "personas" in trained:
        data["personas"] = int(scores["personas"].label.nunique())
        parts.append(f"{data['personas']} personas")
    skipped = sorted(set(reports) - set(trained))
    if skipped:
        parts.append(f"skipped {', '.join(skipped)} (too little data)")
    return Finding("models", "; ".join(parts), data)


ANALYSES: list[Callable[[Workspace, GroundTruth], Finding]] = [
    _overview, _activity, _retention, _funnel, _experiment, _anomalies, _support, _models,
]


def run_demo(
    path: str | Path = "applens-demo", *, users: int = 5_000, days: int = 35, seed: int = 0,
    end_date: dt.date | None = None, progress: Callable[[str], None] | None = None,
) -> DemoRun:
    """Build (or rebuild) the demo workspace at ``path`` and run every analysis on it."""
    folder = Path(path)
    say = progress or (lambda message: None)
    end_date = end_date or dt.datetime.now(dt.UTC).date()
    say(f"Generating {users:,} users × {days} days of a social app (seed {seed})")
    truth = generate(folder / "data", users=users, days=days, seed=seed, end_date=end_date)
    warehouse = folder / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)  # the demo is rebuilt from scratch every time
    shutil.rmtree(folder / "models", ignore_errors=True)  # models trained on the old data
    ws = Workspace.init(folder)
    try:
        say("Ingesting events, users and support tickets")
        ingest(ws, folder / "data" / "events.parquet")
        ingest(ws, folder / "data" / "users.csv", table="users")
        ingest(ws, folder / "data" / "tickets.csv", table="tickets")
        outputs = folder / "outputs"
        outputs.mkdir(exist_ok=True)
        findings = []
        for analysis in ANALYSES:
            name = analysis.__name__.lstrip("_")
            say(f"Running {name}")
            finding = analysis(ws, truth)
            findings.append(finding)
            atomic_write(outputs / f"{name}.json",
                         json.dumps(finding.__dict__, indent=2, default=str) + "\n")
    finally:
        ws.close()
    return DemoRun(ws.path, findings, outputs)
