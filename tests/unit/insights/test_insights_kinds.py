"""Hand-computed expectations for every insight kind (small fixtures, in DuckDB)."""

from __future__ import annotations

import pandas as pd
import pytest

from applens.insights import run

DAYS = {"date_from": "2024-03-01", "date_to": "2024-03-09"}


@pytest.fixture
def daily(make_con):
    return make_con(
        [("a", "2024-03-01 10:00", "view", "ios"), ("b", "2024-03-02 12:00", "view", "android"),
         ("a", "2024-03-05 12:00", "view", None), ("c", "2024-03-08 23:30", "view", "ios"),
         ("x", "2024-02-20 09:00", "view", "web")],
        ("user_id", "ts", "event", "os"),
    )


def test_active_users_rolling_windows_and_lookback(daily):
    r = run({"kind": "active_users", "math": ["total", "dau", "wau", "mau", "per_user_avg"],
             **DAYS}, daily).to_dict()
    assert r["periods"][0] == "2024-03-01" and len(r["periods"]) == 9
    assert r["total"] == [1, 1, 0, 0, 1, 0, 0, 1, 0]
    assert r["dau"] == r["total"]
    assert r["wau"] == [1, 2, 2, 2, 2, 2, 2, 3, 2]  # 03-09: [03-03, 03-10) -> a, c
    # x (02-20) is inside MAU's 30-day window until 03-20, before date_from.
    assert r["mau"] == [2, 3, 3, 3, 3, 3, 3, 4, 4]
    assert r["per_user_avg"][0] == 1.0 and r["per_user_avg"][2] == 0.0


def test_active_users_breakdown_limit_and_other(daily):
    r = run({"kind": "active_users", "math": ["dau"], "breakdown": {"property": "os"},
             "breakdown_limit": 1, **DAYS}, daily).to_dict()
    assert list(r["by_breakdown"]) == ["ios", "Other"]  # ios has 2 users
    assert r["by_breakdown"]["ios"]["dau"] == [1, 0, 0, 0, 0, 0, 0, 1, 0]
    assert r["by_breakdown"]["Other"]["dau"] == [0, 1, 0, 0, 1, 0, 0, 0, 0]  # android + (none)
    full = run({"kind": "active_users", "math": ["dau"], "breakdown": {"property": "os"},
                **DAYS}, daily).to_dict()
    assert set(full["by_breakdown"]) == {"ios", "android", "(none)"}


def test_weekly_wau_is_calendar_distinct_and_week_start(daily):
    sunday = run({"kind": "active_users", "math": ["wau", "dau"], "interval": "week", **DAYS},
                 daily).to_dict()
    assert sunday["periods"] == ["2024-02-25", "2024-03-03"]
    assert sunday["wau"] == [2, 2] and sunday["dau"] == [2, 2]
    monday = run({"kind": "active_users", "math": ["dau"], "interval": "week",
                  "week_start": "monday", **DAYS}, daily).to_dict()
    assert monday["periods"] == ["2024-02-26", "2024-03-04"]
    assert monday["dau"] == [2, 2]


def test_dst_day_buckets(make_con):
    con = make_con([("a", "2024-03-10 07:30", "e"),   # 03-09 23:30 PST
                    ("b", "2024-03-11 06:30", "e"),   # 03-10 23:30 PDT
                    ("c", "2024-03-11 07:30", "e"),   # 03-11 00:30 PDT
                    ("d", "2024-11-04 07:30", "e")])  # 11-03 23:30 PST (after fall back)
    r = run({"kind": "active_users", "math": ["dau"], "timezone": "America/Los_Angeles",
             "date_from": "2024-03-09", "date_to": "2024-03-11"}, con).to_dict()
    assert r["dau"] == [1, 1, 1]
    r = run({"kind": "active_users", "math": ["dau"], "timezone": "America/Los_Angeles",
             "date_from": "2024-11-03", "date_to": "2024-11-04"}, con).to_dict()
    assert r["dau"] == [1, 0]
    hourly = run({"kind": "active_users", "math": ["total"], "interval": "hour",
                  "timezone": "America/Los_Angeles", "date_from": "2024-03-10T22:00",
                  "date_to": "2024-03-11T00:00"}, con).to_dict()
    assert hourly["periods"] == ["2024-03-10T22:00:00", "2024-03-10T23:00:00",
                                 "2024-03-11T00:00:00"]
    assert hourly["total"] == [0, 1, 1]


def test_property_filters(daily):
    def dau(props):
        return run({"kind": "active_users", "math": ["dau"], "properties": props, **DAYS},
                   daily).to_dict()["dau"]

    assert sum(dau([{"key": "os", "value": ["ios"]}])) == 2
    assert sum(dau([{"key": "os", "operator": "is_not", "value": "ios"}])) == 2  # null passes
    assert sum(dau([{"key": "os", "operator": "icontains", "value": "DRO"}])) == 1
    assert sum(dau([{"key": "os", "operator": "is_not_set"}])) == 1
    assert sum(dau([{"key": "os", "operator": "is_set"}])) == 3


def test_person_filter_and_numeric_operators(make_con):
    users = pd.DataFrame({"user_id": ["a", "b"], "age": [20, 40], "gender": ["f", "m"]})
    con = make_con([("a", "2024-03-01 10:00", "e"), ("b", "2024-03-01 11:00", "e"),
                    ("c", "2024-03-01 12:00", "e")], users=users)
    base = {"kind": "active_users", "math": ["dau"], "date_from": "2024-03-01",
            "date_to": "2024-03-01"}
    gt = run({**base, "properties": [{"key": "age", "type": "person", "operator": "gt",
                                      "value": 30}]}, con).to_dict()
    assert gt["dau"] == [1]
    by = run({**base, "breakdown": {"type": "person", "property": "gender"}}, con).to_dict()
    assert {k: v["dau"] for k, v in by["by_breakdown"].items()} == {"f": [1], "m": [1],
                                                                     "(none)": [1]}


def test_trends_formula_ctr(make_con):
    con = make_con([("a", "2024-03-01 10:00", "view"), ("a", "2024-03-01 10:01", "like"),
                    ("b", "2024-03-01 11:00", "view"), ("b", "2024-03-02 11:00", "view")])
    r = run({"kind": "trends", "series": [{"event": "like"}, {"event": "view"}],
             "formula": "A / B", "date_from": "2024-03-01", "date_to": "2024-03-03"},
            con).to_dict()
    assert r["A"] == [1, 0, 0] and r["B"] == [2, 1, 0]
    assert r["formula"] == [0.5, 0.0, None]  # 0/0 is null, not an error


def test_stickiness(make_con):
    con = make_con([("a", "2020-01-11 10:00", "e"), ("a", "2020-01-13 11:00", "e"),
                    ("a", "2020-01-20 12:00", "e"), ("c", "2020-01-14 13:00", "e"),
                    ("c", "2020-01-14 14:00", "e")])
    week = {"kind": "stickiness", "date_from": "2020-01-11", "date_to": "2020-01-20"}
    r = run({**week, "interval": "week"}, con).to_dict()
    assert r == {"buckets": [1, 2, 3], "data": [1, 0, 1], "count": 2}
    r = run({**week, "criteria": {"operator": "gte", "value": 2}}, con).to_dict()
    assert r["data"][0] == 1 and r["count"] == 1 and len(r["buckets"]) == 10
    r = run({**week, "interval_count": 2, "cumulative": True}, con).to_dict()
    assert r["buckets"] == [1, 2, 3, 4, 5] and r["data"] == [2, 1, 1, 0, 0]


def test_lifecycle(make_con):
    rows = [("a", "2024-03-01 10:00", "e"), ("a", "2024-03-02 10:00", "e"),
            ("a", "2024-03-04 10:00", "e"), ("b", "2024-02-29 10:00", "e"),
            ("b", "2024-03-01 10:00", "e"), ("c", "2024-03-03 09:00", "e")]
    spec = {"kind": "lifecycle", "date_from": "2024-03-01", "date_to": "2024-03-05"}
    r = run(spec, make_con(rows)).to_dict()
    assert r["new"] == [1, 0, 1, 0, 0]           # a, then c (first event ever)
    assert r["returning"] == [1, 1, 0, 0, 0]     # b active in the lookback day
    assert r["resurrecting"] == [0, 0, 0, 1, 0]
    assert r["dormant"] == [0, -1, -1, -1, -1]
    users = pd.DataFrame({"user_id": ["a", "c"],
                          "created_at": pd.to_datetime(["2024-03-01", "2024-02-01"])})
    r = run(spec, make_con(rows, users=users)).to_dict()
    assert r["new"] == [1, 0, 0, 0, 0] and r["resurrecting"] == [0, 0, 1, 1, 0]


RET_ROWS = [("a", "2024-03-01 10:00", "e"), ("a", "2024-03-02 10:00", "e"),
            ("a", "2024-03-04 10:00", "e"), ("b", "2024-02-29 10:00", "e"),
            ("b", "2024-03-01 10:00", "e"), ("c", "2024-03-03 09:00", "e"),
            ("c", "2024-03-03 10:00", "e")]


@pytest.mark.parametrize(
    ("extra", "counts"),
    [
        ({}, [[2, 1, 0, 1], [1, 0, 1, None], [1, 0, None, None], [1, None, None, None]]),
        ({"retention_type": "first_time"}, [[1, 1, 0, 1], [0, 0, 0, None], [1, 0, None, None],
                                            [0, None, None, None]]),
        ({"retention_type": "first_ever"}, [[1, 1, 0, 1], [0, 0, 0, None], [1, 0, None, None],
                                            [0, None, None, None]]),
    ],
)
def test_retention_types(make_con, extra, counts):
    # A period that starts after the newest event (2024-03-04) is not observable yet: None.
    r = run({"kind": "retention", "date_to": "2024-03-04", "total_intervals": 4, **extra},
            make_con(RET_ROWS)).to_dict()
    assert r["cohort_starts"][0] == "2024-03-01T00:00:00+00:00"
    assert r["counts"] == counts


def test_retention_cumulative_and_minimum(make_con):
    con = make_con(RET_ROWS)
    spec = {"kind": "retention", "date_from": "2024-03-01", "date_to": "2024-03-02",
            "total_intervals": 4}
    assert run({**spec, "cumulative": True}, con)["counts"] == [[2, 1, 1, 1], [1, 1, 1, None]]
    spec3 = {**spec, "date_from": "2024-03-02", "date_to": "2024-03-02", "total_intervals": 3}
    assert run(spec3, con)["counts"] == [[1, 0, 1]]  # a returns once on 03-04
    assert run({**spec3, "minimum_occurrences": 2}, con)["counts"] == [[1, 0, 0]]
    twice = make_con([*RET_ROWS, ("a", "2024-03-04 11:00", "e")])
    assert run({**spec3, "minimum_occurrences": 2}, twice)["counts"] == [[1, 0, 1]]


def test_retention_first_ever_filter_mismatch_excludes(make_con):
    con = make_con([("a", "2024-03-01 10:00", "buy", "x"), ("a", "2024-03-02 10:00", "buy", "y"),
                    ("b", "2024-03-01 10:00", "buy", "y"), ("b", "2024-03-02 10:00", "buy", "y")],
                   ("user_id", "ts", "event", "cat"))
    spec = {"kind": "retention", "date_to": "2024-03-02", "total_intervals": 2,
            "target": {"event": "buy", "properties": [{"key": "cat", "value": ["y"]}]}}
    assert run({**spec, "retention_type": "first_ever"}, con)["counts"] == [[1, 1], [0, None]]
    assert run({**spec, "retention_type": "first_time"}, con)["counts"] == [[1, 1], [1, None]]
    # Event breakdown: returns must carry the start event's value.
    by = run({"kind": "retention", "date_to": "2024-03-02", "total_intervals": 2,
              "event": "buy", "breakdown": {"property": "cat"}}, con)["by_breakdown"]
    assert by == {"y": [[1, 1], [2, None]], "x": [[1, 0], [0, None]]}


FUNNEL_ROWS = [
    ("a", "2024-03-01 10:00", "view", "ios"), ("a", "2024-03-01 10:05", "click", "ios"),
    ("a", "2024-03-01 11:00", "buy", "android"), ("b", "2024-03-01 10:00", "view", "android"),
    ("b", "2024-03-01 10:01", "other", "android"), ("b", "2024-03-01 10:02", "click", "android"),
    ("c", "2024-03-02 10:00", "click", "ios"), ("c", "2024-03-02 10:10", "view", "ios"),
    ("c", "2024-03-20 10:10", "click", "ios"), ("d", "2024-03-02 10:00", "view", "web"),
    ("d", "2024-03-02 10:30", "cancel", "web"), ("d", "2024-03-02 11:00", "click", "web"),
]
FUNNEL = {"kind": "funnel", "date_from": "2024-03-01", "date_to": "2024-03-03",
          "steps": [{"event": "view"}, {"event": "click"}, {"event": "buy"}]}


@pytest.mark.parametrize(
    ("extra", "counts", "avg", "median"),
    [
        ({}, [4, 3, 1], [None, 1340.0, 3300.0], [None, 300.0, 3300.0]),
        ({"order": "strict"}, [4, 1, 1], [None, 300.0, 3300.0], [None, 300.0, 3300.0]),
        ({"order": "unordered"}, [4, 4, 1], [None, 1155.0, 3300.0], [None, 450.0, 3300.0]),
        ({"exclusions": [{"event": "cancel", "from_step": 0, "to_step": 1}]}, [3, 2, 1],
         [None, 210.0, 3300.0], [None, 210.0, 3300.0]),
        ({"conversion_window": {"value": 2, "unit": "minute"}}, [4, 1, 0],
         [None, 120.0, None], [None, 120.0, None]),  # the window end is inclusive
    ],
)
def test_funnel_orders_windows_exclusions(make_con, extra, counts, avg, median):
    con = make_con(FUNNEL_ROWS, ("user_id", "ts", "event", "os"))
    r = run({**FUNNEL, **extra}, con).to_dict()
    assert r["step_counts"] == counts
    assert r["conversion_rates"] == [c / counts[0] for c in counts]
    assert r["average_conversion_seconds"] == avg
    assert r["median_conversion_seconds"] == median


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, {"ios": [2, 1, 1], "android": [1, 1, 0], "web": [1, 1, 0]}),
        ({"breakdown_attribution": "last_touch"},
         {"android": [2, 2, 1], "ios": [1, 0, 0], "web": [1, 1, 0]}),
        ({"breakdown_attribution": "all_steps"},
         {"ios": [2, 1, 0], "android": [1, 1, 0], "web": [1, 1, 0]}),
        ({"breakdown_attribution": "step", "breakdown_attribution_step": 2},
         {"android": [1, 1, 1]}),
        ({"breakdown_limit": 1}, {"ios": [2, 1, 1], "Other": [2, 2, 0]}),
    ],
)
def test_funnel_breakdown_attribution(make_con, extra, expected):
    con = make_con(FUNNEL_ROWS, ("user_id", "ts", "event", "os"))
    r = run({**FUNNEL, "breakdown": {"property": "os"}, **extra}, con).to_dict()
    assert {k: v["step_counts"] for k, v in r["by_breakdown"].items()} == expected


def test_funnel_same_event_twice_needs_two_occurrences(make_con):
    con = make_con([("a", "2024-03-01 10:00", "view"), ("b", "2024-03-01 10:00", "view"),
                    ("b", "2024-03-01 10:01", "view")])
    r = run({"kind": "funnel", "date_from": "2024-03-01", "date_to": "2024-03-01",
             "steps": [{"event": "view"}, {"event": "view"}]}, con).to_dict()
    assert r["step_counts"] == [2, 1]
