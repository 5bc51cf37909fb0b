"""Trends of counts from rows that grow with days (``insights._rollup_series``).

One event's total per period comes from ``rollup_day_event``, any event's from
``rollup_day``, any event's distinct users per week or month from the day
bitmasks. Each spec is answered both ways and must be byte-identical to the scan, with
person-less events in the data (the scan never counts them) and ranges starting mid-month.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from applens.ingest import ingest
from applens.insights import _rollups, query, rollups
from applens.workspace import Workspace

TZ = "Europe/Berlin"  # DST starts 2024-03-31
MONTHS = {"date_from": "2024-02-14", "date_to": "2024-04-20"}  # mid-month on both ends
WEEKS = {"date_from": "2024-03-13", "date_to": "2024-04-17"}  # a Wednesday

SPECS = {
    "monthly_total_and_dau": {"kind": "trends", "interval": "month",
                              "series": [{"event": "buy"}, {"event": None, "math": "dau"}],
                              "formula": "A / B", **MONTHS},
    "weekly_total_and_dau": {"kind": "trends", "interval": "week",
                             "series": [{"event": "buy"}, {"event": None, "math": "dau"},
                                        {"event": None}, {"event": None, "math": "wau"}],
                             "formula": "A / B", **WEEKS},
    "weekly_monday_one_event_dau": {"kind": "trends", "interval": "week",
                                    "week_start": "monday",
                                    "series": [{"event": "view", "math": "dau"},
                                               {"event": "view"}], **WEEKS},
    "monthly_any_total_mau": {"kind": "trends", "interval": "month",
                              "series": [{"event": None}, {"event": None, "math": "mau"},
                                         {"event": "click", "math": "per_user_avg"}],
                              **MONTHS},
    "daily_one_event_total": {"kind": "trends", "series": [{"event": "click"}],
                              "date_from": "2024-03-28", "date_to": "2024-04-03"},
}


def _events(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2024-02-01") + pd.to_timedelta(rng.integers(0, 80 * 86400, n), unit="s")
    return pd.DataFrame({
        "ts": ts.strftime("%Y-%m-%d %H:%M:%S"),
        "user_id": [f"u{i}" for i in rng.integers(0, 300, n)],
        "event": rng.choice(["view", "click", "buy"], n, p=[0.5, 0.35, 0.15]),
        "os": rng.choice(["ios", "android", ""], n),
    }).sort_values("ts", ignore_index=True)


def _workspace(path, frame: pd.DataFrame) -> Workspace:
    ws = Workspace.init(path / "ws", timezone=TZ)
    half = len(frame) // 2  # two ingests: days they share have two rows to sum
    for i, part in enumerate((frame[:half], frame[half:])):
        part.to_csv(path / f"part{i}.csv", index=False)
        assert ingest(ws, path / f"part{i}.csv").rows_loaded == len(part)
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = _workspace(tmp_path_factory.mktemp("series"), _events(7, 6000))
    # person-less events (ingest rejects them; other writers may not): counted by neither
    # path. A rebuild counts them as covered, so the planner still reads the rollups.
    con = workspace.connection
    con.execute("INSERT INTO events (ts, user_id, event, os) SELECT ts, NULL, event, os "
                "FROM events USING SAMPLE 10 PERCENT (bernoulli, 1)")
    rollups.rebuild(con, timezone=TZ, properties=workspace.settings.rollup_properties)
    yield workspace
    workspace.close()


@pytest.mark.parametrize("name", list(SPECS))
def test_trends_of_counts_equal_the_scan(ws, name):
    scanned = query(SPECS[name], ws, path="scan")
    rolled = query(SPECS[name], ws)
    assert rolled.plan["path"] == "rollup", rolled.plan
    assert json.dumps(rolled.to_dict()) == json.dumps(scanned.to_dict())
    assert any(v for v in rolled.to_dict()["A"]), name  # not all zeros


def test_the_data_has_person_less_events_the_answers_leave_out(ws):
    con = ws.connection
    assert con.execute("SELECT count(*) FROM events WHERE user_id IS NULL").fetchall()[0][0]
    slices = con.execute("SELECT sum(n) FROM rollup_slices WHERE property = 'os'").fetchall()
    named = con.execute("SELECT count(*) FROM events WHERE user_id IS NOT NULL").fetchall()
    assert slices == named
    assert con.execute("SELECT sum(n) FROM rollup_day_event").fetchall() == named


def test_totals_and_users_come_from_the_day_rows(ws, monkeypatch):
    """The monthly question reads rollup_day_event and the masks, not the user-day rows:
    emptying those (in a copy of the answer's reads) leaves it unchanged, and it matches
    hand-counted numbers."""
    spec = SPECS["monthly_total_and_dau"]
    got = query(spec, ws).to_dict()
    frame = ws.connection.execute(
        "SELECT user_id, event, timezone('Europe/Berlin', timezone('UTC', ts)) AS t FROM "
        "events WHERE user_id IS NOT NULL").fetchdf()
    month = frame["t"].dt.to_period("M").astype(str)
    for i, label in enumerate(["2024-02", "2024-03", "2024-04"]):
        assert got["A"][i] == int(((month == label) & (frame["event"] == "buy")).sum())
        assert got["B"][i] == frame.loc[month == label, "user_id"].nunique()

    def refuse(*_args, **_kwargs):
        raise AssertionError("read the user-day rows")

    monkeypatch.setattr(_rollups, "_user_days", refuse)
    assert query(spec, ws).to_dict() == got


def test_one_event_totals_need_no_declared_property(tmp_path, monkeypatch):
    with _workspace(tmp_path, _events(8, 1500)) as ws:
        rollups.rebuild(ws.connection, timezone=TZ, properties=[])  # no rollup_slices rows
        spec = SPECS["weekly_total_and_dau"]
        scanned = query(spec, ws, path="scan").to_dict()

        def refuse(*_args, **_kwargs):
            raise AssertionError("read the user-day rows")

        monkeypatch.setattr(_rollups, "_user_days", refuse)
        assert query(spec, ws).to_dict() == scanned
