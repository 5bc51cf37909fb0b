"""Where the data is: its first and last event, and the default window that ends with it.

Defaults follow the data, not the clock: on a log that ended last year, "the last 28 days"
are the last 28 days *of data*. The dashboard, the report and the insight commands all take
their default range from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from applens.insights._time import to_local

__all__ = ["DEFAULT_WINDOW_DAYS", "data_span", "default_window", "describe_span"]

DEFAULT_WINDOW_DAYS = 28


def data_span(backend: Any, table: str = "events") -> tuple[dt.datetime, dt.datetime] | None:
    """Naive-UTC times of the first and the last event (None without events); ``table``
    names another timed table (``tickets``)."""
    try:
        events = backend.table(table)
    except Exception:  # each engine raises its own "no such table"
        return None
    row = events.aggregate(lo=events.ts.min(), hi=events.ts.max()).to_pandas()
    first, last = row["lo"].iloc[0], row["hi"].iloc[0]
    if first is None or first != first:  # None / NaT: no events
        return None
    return _plain(first), _plain(last)


def _plain(value: Any) -> dt.datetime:
    moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    return moment.replace(tzinfo=None) if moment.tzinfo is None else (
        moment.astimezone(dt.UTC).replace(tzinfo=None))


def default_window(
    span: tuple[dt.datetime, dt.datetime] | None,
    *,
    timezone: str = "UTC",
    days: int | None = DEFAULT_WINDOW_DAYS,
    until: dt.date | None = None,
) -> tuple[dt.date, dt.date] | None:
    """The last ``days`` local days of data, never before its first day (shorter data, shorter
    window; ``None``: all of it); ``until`` caps the last day (the report stops at yesterday,
    the last full day)."""
    if span is None:
        return None
    zone = ZoneInfo(timezone)
    first, last = (to_local(moment, zone).date() for moment in span)
    if until is not None and until < last:
        last = max(until, first)
    if days is None:
        return first, last
    return max(first, last - dt.timedelta(days=days - 1)), last


def describe_span(span: tuple[dt.datetime, dt.datetime] | None, zone: ZoneInfo) -> str:
    """'the data covers 2010-12-01 to 2011-12-09' (or 'there are no events')."""
    if span is None:
        return "there are no events"
    first, last = (to_local(moment, zone) for moment in span)
    return f"the data covers {first:%Y-%m-%d} to {last:%Y-%m-%d}"
