"""Periods in a timezone: bounds, relative dates, week start, DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from applens.insights._time import resolve_range, truncate
from applens.insights._tz import offsets

PACIFIC = ZoneInfo("America/Los_Angeles")


def _range(**kw):
    base = {"interval": "day", "zone": ZoneInfo("UTC"), "week_start": "sunday",
            "now": datetime(2024, 5, 15, 12, tzinfo=UTC), "date_from": None, "date_to": None}
    base.update(kw)
    return resolve_range(**base)


def test_week_start_sunday_and_monday():
    wed = datetime(2024, 5, 15, 13)
    assert truncate(wed, "week", "sunday") == datetime(2024, 5, 12)
    assert truncate(wed, "week", "monday") == datetime(2024, 5, 13)
    sunday = datetime(2024, 5, 12, 1)
    assert truncate(sunday, "week", "sunday") == datetime(2024, 5, 12)
    assert truncate(sunday, "week", "monday") == datetime(2024, 5, 6)


def test_z_date_is_an_instant_converted_first():
    r = _range(zone=PACIFIC, date_from="2025-03-09T00:00:00Z", date_to="2025-03-10")
    assert r.labels()[0] == "2025-03-08"


def test_relative_hourly_starts_at_start_of_day():
    r = _range(interval="hour", date_from="-2d")  # now 12:00 -> 48 + 12 + 1 buckets
    assert len(r.periods) == 61


def test_partial_weeks_count():
    r = _range(interval="week", date_from="2020-01-11", date_to="2020-01-20")
    assert r.labels() == ["2020-01-05", "2020-01-12", "2020-01-19"]


def test_month_and_dst_day_steps():
    r = _range(interval="month", date_from="2024-01-31", date_to="2024-03-01")
    assert r.labels() == ["2024-01-01", "2024-02-01", "2024-03-01"]
    r = _range(zone=PACIFIC, date_from="2024-03-09", date_to="2024-03-11")
    # Local midnights map to different UTC hours across the DST change.
    assert [r.utc(p).hour for p in r.periods] == [8, 8, 7]


def test_offsets_find_transitions():
    table = offsets(PACIFIC, datetime(2024, 1, 1), datetime(2025, 1, 1))
    assert table == [(None, -28800), (datetime(2024, 3, 10, 10), -25200),
                     (datetime(2024, 11, 3, 9), -28800)]
