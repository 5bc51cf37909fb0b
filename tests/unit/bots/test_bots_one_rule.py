"""One bot rule: A/B readouts (experiments.bots) and the bots model judge rhythm alike."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from applens.experiments.bots import bot_users
from applens.models.bot_features import bot_features
from applens.models.bots import RULES, BotDetector

START, END = dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 3)
T0 = pd.Timestamp("2024-03-01 09:00")


def _rows() -> list[tuple[str, str, pd.Timestamp]]:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(150):  # a script: a view every 4 s (± 15 ms), a like after every 5th
        ts = T0 + pd.Timedelta(milliseconds=4000 * i + int(rng.integers(-15, 16)))
        rows.append(("script", "view", ts))
        if i % 5 == 4:
            rows.append(("script", "like", ts + pd.Timedelta(seconds=1)))
    for person in range(6):  # people: pauses of a few seconds to minutes
        ts = T0 + pd.Timedelta(minutes=person)
        for _ in range(200):
            ts += pd.Timedelta(milliseconds=int(rng.exponential(20_000.0)))
            rows.append((f"person{person}", "view", ts))
    # A shopper: 60 orders of 2-6 lines, every line stamped with its order's time.
    ts = T0
    for _ in range(60):
        ts += pd.Timedelta(seconds=int(rng.integers(20, 400)))
        rows += [("shopper", "add_line", ts)] * int(rng.integers(2, 7))
    return rows


def _events() -> ibis.Table:
    frame = pd.DataFrame(_rows(), columns=["user_id", "event", "ts"])
    return ibis.duckdb.connect().create_table("events", frame)


def test_lines_of_one_order_are_not_a_metronome():
    flagged = set(bot_users(_events(), start=START, end=END).execute().user_id)
    assert "shopper" not in flagged
    assert flagged == {"script"}


def test_readouts_and_the_bots_model_flag_the_same_users():
    events = _events()
    readout = set(bot_users(events, start=START, end=END).execute().user_id)
    features = bot_features(events, entity="user")
    rhythm = next(rule for rule in RULES if rule.name == "regular_rhythm")
    model = set(features.index[rhythm.test(features, BotDetector()).fillna(False)])
    assert readout == model == {"script"}
