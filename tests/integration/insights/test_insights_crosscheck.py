"""Cross-check the Ibis insights against plain, independent pandas/Python on a random log.

The timezone has a DST change inside the range, and weeks start on Monday, so period
bucketing is exercised as well as the metric logic.
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import numpy as np
import pandas as pd
import pytest

from applens.insights import run

TZ = "Europe/Berlin"  # DST starts 2024-03-31
FROM, TO = "2024-03-25", "2024-04-10"


@pytest.fixture(scope="module", params=["scan", "rollup"])
def log(request):
    """The random log; with ``rollup``, Berlin rollups beside it, so the specs they answer
    exactly (active users, lifecycle, stickiness) are answered from them."""
    rng = np.random.default_rng(7)
    n = 2500
    start = pd.Timestamp("2024-03-10")
    ts = start + pd.to_timedelta(rng.integers(0, 40 * 86400, n), unit="s")
    frame = pd.DataFrame({
        "user_id": [f"u{i}" for i in rng.integers(0, 120, n)],
        "ts": ts,
        "event": rng.choice(["view", "click", "buy"], n, p=[0.5, 0.35, 0.15]),
        "os": rng.choice(["ios", "android", "web", None], n),
    }).sort_values("ts", ignore_index=True)
    frame["local"] = frame.ts.dt.tz_localize("UTC").dt.tz_convert(TZ).dt.tz_localize(None)
    frame["day"] = frame.local.dt.floor("D")
    con = ibis.duckdb.connect()
    con.create_table("events", frame[["user_id", "ts", "event", "os"]])
    if request.param == "rollup":
        from applens.insights import rollups

        rollups.rebuild(con.con, timezone=TZ, properties=["os"])
    return frame, con


def test_the_rollup_path_is_taken(log, request):
    _, con = log
    r = run({"kind": "lifecycle", "timezone": TZ, "date_from": FROM, "date_to": TO}, con)
    assert r.plan["path"] == request.node.callspec.params["log"]


def _days():
    return list(pd.date_range(FROM, TO, freq="D"))


def test_active_users_match_pandas(log):
    frame, con = log
    r = run({"kind": "active_users", "math": ["total", "dau", "wau", "mau"], "timezone": TZ,
             "date_from": FROM, "date_to": TO}, con).to_dict()
    days = _days()
    assert r["periods"] == [d.date().isoformat() for d in days]
    by_day = frame.groupby("day")
    assert r["total"] == [int(by_day.size().get(d, 0)) for d in days]
    assert r["dau"] == [int(by_day.user_id.nunique().get(d, 0)) for d in days]
    for math, width in (("wau", 7), ("mau", 30)):
        expected = [frame[(frame.day > d - timedelta(days=width)) & (frame.day <= d)]
                    .user_id.nunique() for d in days]
        assert r[math] == expected, math


def test_breakdown_with_filter_matches_pandas(log):
    frame, con = log
    r = run({"kind": "active_users", "math": ["dau"], "timezone": TZ, "date_from": FROM,
             "date_to": TO, "event": "click", "breakdown": {"property": "os"},
             "breakdown_limit": 2}, con).to_dict()["by_breakdown"]
    clicks = frame[(frame.event == "click") & frame.day.between(FROM, TO)].copy()
    clicks["os"] = clicks.os.fillna("(none)")
    counts = clicks.groupby("os").user_id.nunique()
    top = sorted(counts.index, key=lambda v: (-counts[v], v))[:2]  # ties: by value
    assert list(r)[:2] == top and list(r)[2] == "Other"
    clicks["bucket"] = clicks.os.where(clicks.os.isin(top), "Other")
    for bucket, values in r.items():
        part = clicks[clicks.bucket == bucket].groupby("day").user_id.nunique()
        assert values["dau"] == [int(part.get(d, 0)) for d in _days()]


def test_weekly_lifecycle_matches_python(log):
    frame, con = log
    r = run({"kind": "lifecycle", "interval": "week", "week_start": "monday", "timezone": TZ,
             "date_from": FROM, "date_to": TO, "event": "buy"}, con).to_dict()
    weeks = [pd.Timestamp(p) for p in r["periods"]]
    frame = frame.assign(week=frame.day - pd.to_timedelta(frame.day.dt.day_of_week, unit="D"))
    created = frame.groupby("user_id").week.min()  # no users table: first event ever
    buys = frame[frame.event == "buy"]
    expected = {s: [0] * len(weeks) for s in ("new", "returning", "resurrecting", "dormant")}
    lookback, week = weeks[0] - timedelta(weeks=1), timedelta(weeks=1)
    for user, rows in buys.groupby("user_id"):
        active = sorted(w for w in set(rows.week) if lookback <= w <= weeks[-1])
        for i, p in enumerate(active):
            if i == 0:
                status = "new" if created[user] == p else "resurrecting"
            else:
                status = "returning" if active[i - 1] == p - week else "resurrecting"
            if p in weeks:
                expected[status][weeks.index(p)] += 1
            if p + week not in active and p + week in weeks:
                expected["dormant"][weeks.index(p + week)] -= 1
    for status, values in expected.items():
        assert r[status] == values, status


def test_daily_retention_matches_python(log):
    frame, con = log
    r = run({"kind": "retention", "timezone": TZ, "date_from": FROM, "date_to": "2024-03-31",
             "total_intervals": 5, "target": {"event": "view"}, "returning": {"event": "click"}},
            con).to_dict()
    cohorts = list(pd.date_range(FROM, "2024-03-31", freq="D"))
    views = frame[frame.event == "view"].groupby("day").user_id.agg(set)
    clicks = frame[frame.event == "click"].groupby("day").user_id.agg(set)
    for i, c in enumerate(cohorts):
        members = views.get(c, set())
        row = [len(members)] + [
            len(members & clicks.get(c + timedelta(days=k), set())) for k in range(1, 5)
        ]
        assert r["counts"][i] == row, c


def test_ordered_funnel_matches_python(log):
    frame, con = log
    window = timedelta(days=1)
    r = run({"kind": "funnel", "timezone": TZ, "date_from": FROM, "date_to": TO,
             "steps": [{"event": "view"}, {"event": "click"}, {"event": "buy"}],
             "conversion_window": {"value": 1, "unit": "day"}}, con).to_dict()
    lo = pd.Timestamp(FROM).tz_localize(TZ).tz_convert("UTC").tz_localize(None)
    hi = (pd.Timestamp(TO) + timedelta(days=1)).tz_localize(TZ).tz_convert("UTC").tz_localize(None)
    reached, gaps = [], {1: [], 2: []}
    for _, rows in frame.groupby("user_id"):
        events = list(zip(rows.ts, rows.event, strict=True))
        best = None
        for t0, name in events:
            if name != "view" or not lo <= t0 < hi:
                continue
            times = [t0]
            for step in ("click", "buy"):
                nxt = [t for t, e in events if e == step and times[-1] <= t <= t0 + window]
                if not nxt:
                    break
                times.append(min(nxt))
            if best is None or len(times) > len(best):
                best = times
        if best:
            reached.append(len(best))
            for k in range(1, len(best)):
                gaps[k].append((best[k] - best[k - 1]).total_seconds())
    assert r["step_counts"] == [sum(x >= k for x in reached) for k in (1, 2, 3)]
    for k in (1, 2):
        assert r["average_conversion_seconds"][k] == pytest.approx(np.mean(gaps[k]))
        assert r["median_conversion_seconds"][k] == pytest.approx(np.median(gaps[k]))


def test_stickiness_matches_pandas(log):
    frame, con = log
    r = run({"kind": "stickiness", "timezone": TZ, "date_from": FROM, "date_to": TO,
             "event": "buy"}, con).to_dict()
    days_active = frame[(frame.event == "buy") & frame.day.between(FROM, TO)] \
        .groupby("user_id").day.nunique()
    assert r["count"] == len(days_active)
    assert r["data"] == [int((days_active == k).sum()) for k in range(1, len(_days()) + 1)]
