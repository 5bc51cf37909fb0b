"""Calendar periods in a timezone: parse ``date_from``/``date_to`` and list the periods.

Everything here is plain Python on a handful of datetimes. "Local" datetimes are naive
wall-clock times in the query timezone; "UTC" datetimes are naive UTC (like ``events.ts``).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from applens.errors import QueryError

__all__ = ["MAX_PERIODS", "TimeRange", "add", "resolve_range", "to_local", "to_utc", "truncate"]

Interval = Literal["hour", "day", "week", "month"]
WeekStart = Literal["sunday", "monday"]
MAX_PERIODS = 10_000  # more than this is a mistake (an hourly decade), not a chart
_RELATIVE = re.compile(r"^-(\d+)([hdwmy])$")


def truncate(local: datetime, interval: Interval, week_start: WeekStart = "sunday") -> datetime:
    """Start of the calendar period holding ``local``."""
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "day":
        return day
    if interval == "week":
        # Python's weekday(): Monday=0 … Sunday=6.
        back = day.weekday() if week_start == "monday" else (day.weekday() + 1) % 7
        return day - timedelta(days=back)
    return day.replace(day=1)


def add(local: datetime, interval: Interval, n: int) -> datetime:
    """``local`` moved by ``n`` intervals on the wall clock (DST-safe: days stay days)."""
    if interval == "hour":
        return local + timedelta(hours=n)
    if interval == "day":
        return local + timedelta(days=n)
    if interval == "week":
        return local + timedelta(weeks=n)
    months = local.year * 12 + local.month - 1 + n
    return local.replace(year=months // 12, month=months % 12 + 1)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Naive local wall clock → naive UTC (a skipped DST hour maps forward)."""
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """Aware instant (or naive UTC) → naive local wall clock."""
    aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class TimeRange:
    """The displayed periods of a query: ``periods[i]`` is the local start of period ``i``."""

    interval: Interval
    zone: ZoneInfo
    week_start: WeekStart
    periods: tuple[datetime, ...]

    @property
    def start(self) -> datetime:
        return self.periods[0]

    @property
    def end(self) -> datetime:
        """Local start of the first period after the range (exclusive bound)."""
        return add(self.periods[-1], self.interval, 1)

    def shift(self, i: int) -> datetime:
        """Local start of period ``i`` (negative or past the end allowed)."""
        return add(self.periods[0], self.interval, i)

    def utc(self, local: datetime) -> datetime:
        return to_utc(local, self.zone)

    def label(self, local: datetime) -> str:
        if self.interval == "hour":
            return local.isoformat()
        return local.date().isoformat()

    def labels(self) -> list[str]:
        return [self.label(p) for p in self.periods]


def _months_back(moment: datetime, n: int) -> datetime:
    months = moment.year * 12 + moment.month - 1 - n
    year, month = months // 12, months % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def _parse_point(text: str, field: str, zone: ZoneInfo, now_local: datetime) -> datetime:
    """One bound as a local naive datetime."""
    match = _RELATIVE.match(text.strip().lower())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        if unit == "h":
            return truncate(now_local - timedelta(hours=n), "hour")
        back = {"d": now_local - timedelta(days=n), "w": now_local - timedelta(weeks=n)}
        if unit in back:
            moment = back[unit]
        else:
            moment = _months_back(now_local, n * (12 if unit == "y" else 1))
        return truncate(moment, "day")  # relative ranges start at the start of that day
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"Spec field '{field}': cannot read {text!r}; use an ISO date or datetime "
            "('2024-05-01', '2024-05-01T08:00:00Z'), '-7d', '-4w', '-3m' or 'all'."
        ) from None
    return to_local(parsed, zone) if parsed.tzinfo else parsed


def resolve_range(
    *,
    interval: Interval,
    zone: ZoneInfo,
    week_start: WeekStart,
    now: datetime,
    date_from: str | None,
    date_to: str | None,
    default_from: str = "-7d",
    first_event: Callable[[], datetime | None] | None = None,
) -> TimeRange:
    """Resolve the bounds (PostHog rules) and list every period they touch.

    Both bounds are truncated to the start of their interval; the period holding
    ``date_to`` is included in full. ``all`` starts at the first event (naive UTC).
    """
    now_local = to_local(now, zone)
    end_local = now_local if date_to is None else _parse_point(date_to, "date_to", zone, now_local)
    text_from = default_from if date_from is None else date_from
    if text_from.strip().lower() == "all":
        first = first_event() if first_event else None
        start_local = to_local(first, zone) if first is not None else end_local
    else:
        start_local = _parse_point(text_from, "date_from", zone, now_local)
    if start_local > end_local:
        raise QueryError(
            f"Spec field 'date_from': {start_local:%Y-%m-%d %H:%M} is after date_to "
            f"{end_local:%Y-%m-%d %H:%M} ({zone.key})."
        )
    first_period = truncate(start_local, interval, week_start)
    last_period = truncate(end_local, interval, week_start)
    periods = _enumerate(first_period, last_period, interval)
    return TimeRange(interval, zone, week_start, tuple(periods))


def _enumerate(first: datetime, last: datetime, interval: Interval) -> list[datetime]:
    span_days = (last - first).days
    per_period = {"hour": 1 / 24, "day": 1, "week": 7, "month": 28}[interval]
    if span_days / per_period > MAX_PERIODS:
        raise QueryError(
            f"Spec field 'interval': '{interval}' from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
            f"gives more than {MAX_PERIODS} periods; use a longer interval or a shorter range."
        )
    periods = [first]
    while periods[-1] < last:
        periods.append(add(first, interval, len(periods)))
    return periods
