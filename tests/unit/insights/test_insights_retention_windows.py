"""Retention with ``time_window_mode = "24_hour_windows"``: hand-computed, DST included."""

from __future__ import annotations

import pytest

from applens.errors import QueryError
from applens.insights import run

WINDOWS = {"time_window_mode": "24_hour_windows"}
SIGNUP_USE = {"kind": "retention", "target": {"event": "signup"},
              "returning": {"event": "use"}}


def test_late_night_return_is_day_zero_not_day_one(make_con):
    # a: 23:45 -> 00:01 next day (15 minutes); b: 10:00 -> 11:00 next day (25 hours).
    con = make_con([("a", "2024-03-01 23:45", "e"), ("a", "2024-03-02 00:01", "e"),
                    ("b", "2024-03-01 10:00", "e"), ("b", "2024-03-02 11:00", "e")])
    spec = {"kind": "retention", "date_from": "2024-03-01", "date_to": "2024-03-02",
            "total_intervals": 3}
    # 03-03 is after the data ends: not yet observable (None), not 0
    assert run(spec, con)["counts"] == [[2, 2, None], [2, None, None]]
    # Cohort 03-02 (recurring) holds a (t0 00:01) and b (t0 11:00); neither comes back.
    assert run({**spec, **WINDOWS}, con)["counts"] == [[2, 1, None], [2, None, None]]


def test_windows_are_elapsed_hours_across_spring_forward(make_con):
    # New York springs forward on 2024-03-10: that local day has 23 hours.
    con = make_con([
        ("a", "2024-03-09 17:00", "signup"),  # 03-09 12:00 EST
        ("a", "2024-03-10 16:30", "use"),     # 03-10 12:30 EDT: 23.5 h later -> day 0
        ("a", "2024-03-11 16:00", "use"),     # 03-11 12:00 EDT: 47 h later -> day 1
        ("b", "2024-03-10 05:30", "signup"),  # 03-10 00:30 EST
        ("b", "2024-03-11 04:15", "use"),     # 03-11 00:15 EDT: 22.75 h later -> day 0
        ("b", "2024-03-11 10:00", "use"),     # 03-11 06:00 EDT: 28.5 h later -> day 1
    ])
    spec = {**SIGNUP_USE, "timezone": "America/New_York", "date_from": "2024-03-09",
            "date_to": "2024-03-11", "total_intervals": 3}
    calendar = run(spec, con).to_dict()
    assert calendar["cohort_starts"][1] == "2024-03-10T00:00:00-05:00"
    assert calendar["counts"] == [[1, 1, 1], [1, 1, None], [0, None, None]]
    assert run({**spec, **WINDOWS}, con)["counts"] == [[1, 1, 0], [1, 1, None],
                                                       [0, None, None]]


def test_windows_minimum_occurrences_and_cumulative(make_con):
    con = make_con([("c", "2024-03-01 10:00", "signup"),
                    ("c", "2024-03-02 09:00", "use"),    # 23 h: day 0
                    ("c", "2024-03-03 10:30", "use"),    # 48.5 h: day 2
                    ("c", "2024-03-03 12:00", "use"),    # 50 h: day 2
                    ("c", "2024-03-04 10:00", "use")])   # 72 h: day 3, outside 3 intervals
    spec = {**SIGNUP_USE, **WINDOWS, "date_from": "2024-03-01", "date_to": "2024-03-01",
            "total_intervals": 3}
    assert run(spec, con)["counts"] == [[1, 0, 1]]
    assert run({**spec, "cumulative": True}, con)["counts"] == [[1, 1, 1]]
    assert run({**spec, "minimum_occurrences": 2}, con)["counts"] == [[1, 0, 1]]
    assert run({**spec, "minimum_occurrences": 3}, con)["counts"] == [[1, 0, 0]]


def test_weekly_windows_are_seven_times_24_hours(make_con):
    con = make_con([("d", "2024-03-06 12:00", "signup"),   # Wednesday
                    ("d", "2024-03-12 12:00", "use"),      # next calendar week, 6 days later
                    ("d", "2024-03-13 12:00", "use")])     # exactly 7 x 24 h later: week 1
    spec = {**SIGNUP_USE, "interval": "week", "date_from": "2024-03-03",
            "date_to": "2024-03-03", "total_intervals": 2}
    assert run(spec, con)["counts"] == [[1, 1]]
    con2 = make_con([("d", "2024-03-06 12:00", "signup"), ("d", "2024-03-12 12:00", "use")])
    assert run(spec, con2)["counts"] == [[1, 1]]
    assert run({**spec, **WINDOWS}, con2)["counts"] == [[1, 0]]
    assert run({**spec, **WINDOWS}, con)["counts"] == [[1, 1]]


def test_unknown_window_mode_names_the_field(make_con):
    con = make_con([("a", "2024-03-01 10:00", "e")])
    with pytest.raises(QueryError, match="time_window_mode"):
        run({"kind": "retention", "time_window_mode": "rolling"}, con)
