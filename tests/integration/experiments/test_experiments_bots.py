"""The bot rule (experiments/bots.py) on hand-made events and on the demo's planted bots."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from applens.demo.generate import generate
from applens.experiments.bots import bot_users
from applens.ingest import ingest
from applens.workspace import Workspace

START, END = dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)


def _events(rows: list[tuple[str, str, pd.Timestamp]]) -> ibis.Table:
    frame = pd.DataFrame(rows, columns=["user_id", "event", "ts"])
    return ibis.duckdb.connect().create_table("events", frame)


def test_metronome_flagged_even_with_duplicates_people_are_not():
    rng = np.random.default_rng(0)
    t0 = pd.Timestamp("2024-03-01 10:00")
    rows = []
    # A bot: 120 views 3 s apart ± 20 ms, a like 1 s after every 5th view, 4 duplicated views.
    for i in range(120):
        ts = t0 + pd.Timedelta(milliseconds=3000 * i + int(rng.integers(-20, 21)))
        rows.append(("bot", "view", ts))
        if i % 5 == 4:
            rows.append(("bot", "like", ts + pd.Timedelta(seconds=1)))
        if i % 30 == 0:
            rows.append(("bot", "view", ts))
    # A heavy human: 300 views with exponential gaps (mean 6 s), 3 s apart on average too.
    ts = t0
    for _ in range(300):
        ts += pd.Timedelta(milliseconds=int(rng.exponential(6000.0)))
        rows.append(("human", "view", ts))
    # A metronome of 25 views: below MIN_EVENTS (30), too few to tell.
    rows += [("short", "view", t0 + pd.Timedelta(seconds=2 * i)) for i in range(25)]
    rows.append(("bot", "view", pd.Timestamp("2024-03-02 10:00")))  # outside the window
    flagged = bot_users(_events(rows), start=START, end=END).execute()
    assert flagged.user_id.tolist() == ["bot"]


def test_demo_planted_bots_are_found_without_false_positives(tmp_path):
    truth = generate(tmp_path / "data", users=1500, days=21, seed=3, end_date=dt.date(2026, 11, 1))
    ws = Workspace.init(tmp_path / "ws")
    try:
        ingest(ws, tmp_path / "data" / "events.parquet")
        exp = truth.experiment
        start = dt.datetime.fromisoformat(exp.start.rstrip("Z"))
        end = dt.datetime.fromisoformat(exp.end.rstrip("Z"))
        events = ws.table("events")
        found = set(bot_users(events, start=start, end=end).execute().user_id)
        window = events.filter((events.ts >= start) & (events.ts < end))
        active = set(window.select("user_id").distinct().execute().user_id)
        planted = set(truth.bots.user_ids) & active
        assert planted and found == planted
    finally:
        ws.close()
