"""Support tickets through the monitor: ``tickets = "negative_share" | "volume"`` in
[monitors.X], judged day by day by the same detector, alert state and outbox as events,
on a real warehouse with real json:// posts to a local HTTP server."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from applens.errors import ConfigError
from applens.formatting import percent
from applens.monitor import alert_history, load_monitors, readable_alerts
from tests.integration.monitor.conftest import monitors_toml

START = datetime(2026, 10, 1)
DAYS = 84  # twelve weeks: the default detector calibrates daily rows on about eight
JUMP_DAY = 74  # the buggy release's complaints start this day
VERSIONS = ("4.8.0", "4.9.0", "4.9.1")
TYPES = ("crash", "payment", "account", "feature")

COMPLAINTS = """
[monitors.complaints]
tickets = "negative_share"
dimensions = ["app_version"]
direction = "spike"
min_volume = 20
min_abs_change = 0.15
"""
CRASHES = """
[monitors.ticket_types]
tickets = "volume"
dimensions = ["type"]
direction = "spike"
min_volume = 5
min_abs_change = 20
"""


def workspace_frames(*, jump: bool, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events (each user's app version, from an event on the first day) and tickets: ~80 a
    day per version, 15 % negative; with ``jump``, 4.9.1's users write 60 % negative
    tickets (the demo's plant), five times as many of them crash reports, from JUMP_DAY."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame({"user_id": [f"u{i}" for i in range(600)],
                          "app_version": [VERSIONS[i % 3] for i in range(600)]})
    events = users.assign(ts=START + pd.to_timedelta(rng.integers(0, 3600, 600), unit="s"),
                          event="app_open")
    rows = []
    for day in range(1, DAYS):
        for version in VERSIONS:
            hit = jump and version == "4.9.1" and day >= JUMP_DAY
            writers = users[users.app_version == version].user_id.to_numpy()
            weights = np.array([5.0 if hit else 1.0, 1.0, 1.0, 1.0])
            for _ in range(rng.poisson(80)):
                negative = rng.random() < (0.6 if hit else 0.15)
                rows.append({
                    "ticket_id": f"T{len(rows):05d}", "user_id": str(rng.choice(writers)),
                    "ts": START + timedelta(days=day, seconds=int(rng.integers(0, 86_400))),
                    "text": "the app crashes" if negative else "please help",
                    "negativity": "negative" if negative else "neutral",
                    "type": str(rng.choice(TYPES, p=weights / weights.sum()))})
    return events, pd.DataFrame(rows)


def _load(b, events: pd.DataFrame, tickets: pd.DataFrame) -> None:
    con = b.ws.connection
    for name, frame in (("events", events), ("tickets", tickets)):
        con.register("_frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")


def _daily_runs(b) -> list:
    """The monitor run each morning (00:05 UTC) of the last two weeks, each judging the day
    before (the tickets' last day waits for a later ticket, as a slice waits for events)."""
    return [b.run(START + timedelta(days=day, minutes=5)) for day in range(DAYS - 13, DAYS)]


def test_negative_share_jump_on_one_release_raises_one_alert_naming_it(bench, http_receiver):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, COMPLAINTS))
    _load(b, *workspace_frames(jump=True))
    runs = _daily_runs(b)
    opened = [n for r in runs for n in r.notices if n.kind == "opened"]
    assert [(n.monitor, n.series) for n in opened] == [("complaints", "app_version=4.9.1")]
    verdict = opened[0].verdict
    assert verdict.slice_start == START + timedelta(days=JUMP_DAY)
    assert 0.45 < verdict.value < 0.75 and verdict.expected < 0.3
    # The same outbox and message as an event monitor's alert.
    bodies = [m.body for m in http_receiver.messages]
    assert sum("NEW spike **complaints**" in body for body in bodies) == 1
    first = next(body for body in bodies if "NEW spike" in body)
    assert "(negative ticket share) · app_version=4.9.1" in first
    assert f"day {START + timedelta(days=JUMP_DAY):%Y-%m-%d} UTC: value " in first
    assert any(f"(since {START + timedelta(days=JUMP_DAY):%Y-%m-%d})" in body for body in bodies)
    history = alert_history(b.ws)
    assert history[["monitor", "series"]].values.tolist() == [["complaints", "app_version=4.9.1"]]
    assert [r.slices_judged for r in runs] == [3] * len(runs)  # one day, three versions
    assert b.run(START + timedelta(days=DAYS, minutes=5)).slices_judged == 0


def test_steady_tickets_raise_no_alert(bench, http_receiver):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, COMPLAINTS + CRASHES))
    _load(b, *workspace_frames(jump=False))
    runs = _daily_runs(b)
    assert [n for r in runs for n in r.notices] == []
    assert sum(r.slices_judged for r in runs) == 13 * (3 + 4)  # versions + types, 13 days
    assert http_receiver.messages == []
    assert alert_history(b.ws).empty


def test_ticket_volume_by_type_alerts_on_the_crash_surge(bench, http_receiver):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, CRASHES))
    _load(b, *workspace_frames(jump=True))
    opened = [n for r in _daily_runs(b) for n in r.notices if n.kind == "opened"]
    # The surge opens on its first day; only crash reports ever alert (a later re-opening
    # once the detector has taken the new level for normal is the same series).
    assert (opened[0].series, opened[0].verdict.slice_start) == (
        "type=crash", START + timedelta(days=JUMP_DAY))
    assert {n.series for n in opened} == {"type=crash"}
    assert "(ticket count) · type=crash" in http_receiver.messages[0].body


def test_a_tickets_monitor_without_tickets_warns_and_judges_nothing(bench, http_receiver):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, COMPLAINTS))
    events, _ = workspace_frames(jump=False)
    b.load(events)
    run = b.run(START + timedelta(days=3))
    assert run.slices_judged == 0 and not run.notices
    assert run.warnings == ["The workspace has no dated tickets yet; monitor 'complaints' "
                            "has nothing to judge."]


@pytest.mark.parametrize(("table", "fragment"), [
    ({"tickets": "negative_share", "slice": "1h"}, "set slice = '1d'"),
    ({"tickets": "volume", "event": "view"}, "takes no event settings (event)"),
    ({"tickets": "volume", "dimensions": ["os"]}, "one of 'type' or 'app_version'"),
    ({"tickets": "complaints"}, "monitors.m.tickets"),
])
def test_bad_tickets_monitor_is_one_config_error(table, fragment):
    with pytest.raises(ConfigError) as caught:
        load_monitors({"m": table})
    message = str(caught.value)
    assert fragment in message and "\n" not in message


def test_a_tickets_monitor_is_daily_by_default():
    cfg = load_monitors({"m": {"tickets": "volume"}})["m"]
    assert cfg.slice_step == timedelta(days=1) and cfg.label == "ticket count"


def test_backtest_replays_a_tickets_monitor(bench, http_receiver):
    from applens.monitor.backtest import backtest

    b = bench()
    b.configure(monitors_toml(http_receiver.url, COMPLAINTS))
    _load(b, *workspace_frames(jump=True))
    result = backtest(b.ws, START + timedelta(days=DAYS - 14), START + timedelta(days=DAYS - 1))
    opened = [n for n in result.notices if n.kind == "opened"]
    assert [(n.series, n.verdict.slice_start) for n in opened] == [
        ("app_version=4.9.1", START + timedelta(days=JUMP_DAY))]
    assert result.slices_judged == 13 * 3 and http_receiver.messages == []


def test_readme_tickets_monitor_example_is_valid():
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Support tickets", 1)[1].split("\n## ", 1)[0]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (cfg,) = load_monitors(tomllib.loads(block)["monitors"]).values()
    assert (cfg.tickets, cfg.dimensions, cfg.slice) == ("negative_share", ["app_version"], "1d")
    assert cfg.min_abs_change == 0.15


# -- short data: a month, and a version released inside it --------------------------------
SHORT_DAYS = 28
RELEASE_DAY = 20  # 5.0.0's users arrive this day


def short_month(*, buggy: bool, seed: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four weeks of ~15 tickets a day per version, 15 % negative; version 5.0.0 ships on
    RELEASE_DAY (its users' first events are that day) and, with ``buggy``, its users
    write 60 % negative tickets."""
    rng = np.random.default_rng(seed)
    versions = ("4.9.0", "4.9.1", "5.0.0")
    users = pd.DataFrame({"user_id": [f"u{i}" for i in range(300)],
                          "app_version": [versions[i % 3] for i in range(300)]})
    born = np.where(users.app_version == "5.0.0", RELEASE_DAY, 0)
    events = users.assign(ts=[START + timedelta(days=int(d), seconds=60) for d in born],
                          event="app_open")
    rows = []
    for day in range(SHORT_DAYS):
        for version in versions:
            if version == "5.0.0" and day < RELEASE_DAY:
                continue
            writers = users[users.app_version == version].user_id.to_numpy()
            share = 0.6 if buggy and version == "5.0.0" else 0.15
            for _ in range(rng.poisson(15)):
                negative = rng.random() < share
                second = int(rng.integers(120, 86_400))
                rows.append({"ticket_id": f"S{len(rows):05d}", "user_id": str(rng.choice(writers)),
                             "ts": START + timedelta(days=day, seconds=second),
                             "text": "x", "negativity": "negative" if negative else "neutral",
                             "type": "crash"})
    return events, pd.DataFrame(rows)


SHORT = """
[monitors.complaints]
tickets = "negative_share"
dimensions = ["app_version"]
direction = "spike"
"""


def _month_runs(b) -> list:
    return [b.run(START + timedelta(days=day, minutes=5)) for day in range(1, SHORT_DAYS + 1)]


def test_a_new_release_complaints_alert_on_its_first_days_of_a_short_month(bench, http_receiver):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, SHORT))
    _load(b, *short_month(buggy=True))
    opened = [n for r in _month_runs(b) for n in r.notices if n.kind == "opened"]
    assert [(n.monitor, n.series) for n in opened] == [("complaints", "app_version=5.0.0")]
    verdict = opened[0].verdict
    assert START + timedelta(days=RELEASE_DAY) <= verdict.slice_start <= START + timedelta(
        days=RELEASE_DAY + 2)
    assert verdict.value > 0.4 and verdict.expected < 0.25  # against the other versions
    bodies = [m.body for m in http_receiver.messages if "NEW spike **complaints**" in m.body]
    assert len(bodies) == 1
    assert f"value {percent(verdict.value)}, expected {percent(verdict.expected)} (range " \
        in bodies[0]  # a share reads as a percentage
    assert "; p<0.0001" in bodies[0] or "; p=0.00" in bodies[0]  # the count test's p-value
    assert "as far off as its usual worst" not in bodies[0]
    history = alert_history(b.ws)
    assert history["series"].tolist() == ["app_version=5.0.0"]
    assert readable_alerts(b.ws, history)["value"].tolist() == [percent(verdict.value)]


def test_a_steady_short_month_with_a_new_release_stays_silent(bench, http_receiver):
    for seed in (8, 9, 10):
        b = bench()
        b.configure(monitors_toml(http_receiver.url, SHORT))
        _load(b, *short_month(buggy=False, seed=seed))
        runs = _month_runs(b)
        assert [n for r in runs for n in r.notices] == [], seed
        assert sum(r.slices_judged for r in runs) > 0
    assert http_receiver.messages == []


def test_backtest_of_a_short_month_finds_the_release(bench, http_receiver):
    from applens.monitor.backtest import backtest

    b = bench()
    b.configure(monitors_toml(http_receiver.url, SHORT))
    _load(b, *short_month(buggy=True))
    result = backtest(b.ws, START, START + timedelta(days=SHORT_DAYS))
    opened = [n for n in result.notices if n.kind == "opened"]
    assert [n.series for n in opened] == ["app_version=5.0.0"]


@pytest.mark.parametrize(("table", "fragment"), [
    ({"tickets": "volume", "detector": "proportion"}, "use it with tickets = 'negative_share'"),
    ({"event": "view", "detector": "proportion"}, "use it with tickets = 'negative_share'"),
    ({"tickets": "negative_share", "params": {"alpha": 3}}, "alpha must be between 0 and 1"),
    ({"tickets": "negative_share", "params": {"minimum": 3}},
     "'minimum' is not a parameter of 'proportion'"),
])
def test_bad_share_judge_settings_are_one_config_error(table, fragment):
    with pytest.raises(ConfigError) as caught:
        load_monitors({"m": table})
    message = str(caught.value)
    assert fragment in message and "\n" not in message, message


def test_a_negative_share_monitor_is_judged_on_counts_by_default():
    assert load_monitors({"m": {"tickets": "negative_share"}})["m"].detector == "proportion"
    assert load_monitors({"m": {"tickets": "volume"}})["m"].detector == "default"
