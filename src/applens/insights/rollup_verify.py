"""``verify``: recompute a sample of rollup days from the raw events and compare.

Each rollup table is checked for the sampled local days (the runs for the 7 and 30 days
ending on them, the per-week rows for their weeks in both week conventions, the users (and
events) whose day masks have their bit): rows the raw
events have and the rollup lacks, and the other way round, are mismatches. Kept apart from
``insights.rollups`` (which writes the rollups) because it only reads them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from applens._sql import literal
from applens.insights._rollup_days import WIDEST, week_of
from applens.insights._rollup_masks import ANY_EVENT
from applens.insights.rollups import (
    local_date,
    local_day_sql,
    read_meta,
    slice_label,
    table_exists,
)

__all__ = ["VerifyReport", "verify"]


@dataclass
class VerifyReport:
    days: list[date] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "days_checked": [d.isoformat() for d in self.days],
                "mismatches": self.mismatches}


def verify(con: Any, *, sample: int = 7, days: Sequence[date] | None = None,
           seed: int | None = None) -> VerifyReport:
    """Recompute ``sample`` random rollup days (or ``days``) from the raw events and compare."""
    meta = read_meta(con)
    report = VerifyReport()
    if meta is None:
        report.mismatches.append("there are no rollups")  # the CLI adds how to rebuild
        return report
    if days is None:  # any day of the events' span: a day missing from the rollups too
        span = con.execute("SELECT min(ts), max(ts) FROM events WHERE user_id IS NOT NULL"
                           ).fetchall()[0] if table_exists(con, "events") else (None, None)
        lo, hi = (local_date(t, ZoneInfo(meta.timezone)) if t else None for t in span)
        known = [] if lo is None else [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        days = sorted(random.Random(seed).sample(known, min(sample, len(known))))
    report.days = list(days)
    if not days:
        return report
    listed = ", ".join(f"DATE '{d.isoformat()}'" for d in days)
    lo = datetime.combine(min(days), datetime.min.time()) - timedelta(days=2)
    hi = datetime.combine(max(days), datetime.min.time()) + timedelta(days=3)
    window = (f"ts >= TIMESTAMP '{lo:%Y-%m-%d %H:%M:%S}' AND ts < TIMESTAMP "
              f"'{hi:%Y-%m-%d %H:%M:%S}' AND user_id IS NOT NULL")
    day = local_day_sql(con, meta.timezone, window)
    raw = (f"SELECT * FROM (SELECT user_id, {day} AS day, event FROM events WHERE {window}) "
           f"WHERE day IN ({listed})")
    checks = {
        "user_day": (
            f"SELECT user_id, day, count(*) AS n FROM ({raw}) GROUP BY ALL",
            f"SELECT user_id, day, sum(n) AS n FROM {_named('rollup_user_day')} "
            f"WHERE day IN ({listed}) GROUP BY ALL"),
        "day_event": (
            f"SELECT day, event, count(*) AS n FROM ({raw}) GROUP BY ALL",
            f"SELECT day, x.event, sum(n) AS n FROM rollup_day_event LEFT JOIN rollup_events x "
            f"USING (e) WHERE day IN ({listed}) GROUP BY ALL"),
    }
    checks["day"] = (f"SELECT day, count(DISTINCT user_id) AS users, count(*) AS n FROM "
                     f"({raw}) GROUP BY day",
                     f"SELECT day, users, n FROM rollup_day WHERE day IN ({listed})")
    # each checked day's users (of any event, and per event), from the bit of that day in
    # their masks
    bit = (f"SELECT user_id, e, d AS day FROM (SELECT unnest([{listed}]) AS d) JOIN (SELECT "
           "uid, e, blk, bit_or(mask) AS mask FROM rollup_user_mask GROUP BY ALL) m ON m.blk = "
           "(d - DATE '1970-01-01') >> 6 AND (m.mask >> CAST((d - DATE '1970-01-01') & 63 AS "
           "UBIGINT)) & CAST(1 AS UBIGINT) = 1 LEFT JOIN rollup_users USING (uid)")
    checks["user_mask"] = (f"SELECT DISTINCT user_id, day FROM ({raw})",
                           f"SELECT user_id, day FROM ({bit}) WHERE e = {ANY_EVENT}")
    checks["user_event_mask"] = (
        f"SELECT DISTINCT user_id, day, event FROM ({raw})",
        f"SELECT user_id, day, x.event FROM ({bit}) b LEFT JOIN rollup_events x USING (e) "
        f"WHERE b.e <> {ANY_EVENT}")
    for name, (expect, got) in checks.items():
        _compare(con, name, expect, got, report)
    _verify_runs(con, meta.timezone, days, listed, report)
    _verify_weeks(con, meta.timezone, days, report)
    # First-seen: every user seen on a checked day has first_day <= that day, and a user
    # whose rollup first_day is a checked day has no earlier event.
    late = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT user_id, day FROM ({raw})) r "
        f"JOIN (SELECT user_id, min(first_day) AS f FROM {_named('rollup_first_seen')} "
        "GROUP BY 1) s "
        "USING (user_id) WHERE s.f IS NULL OR s.f > r.day").fetchall()[0][0]
    missing = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT user_id FROM ({raw})) r ANTI JOIN "
        f"{_named('rollup_first_seen')} s USING (user_id)").fetchall()[0][0]
    if late or missing:
        report.mismatches.append(f"rollup_first_seen: {late + missing} users seen before "
                                 "their recorded first day")
    first = f"""SELECT s.user_id, s.f FROM (SELECT user_id, min(first_day) AS f
        FROM {_named('rollup_first_seen')} GROUP BY 1) s WHERE s.f IN ({listed})"""
    early = con.execute(
        f"SELECT count(*) FROM ({first}) s JOIN events e ON e.user_id = s.user_id "
        f"AND e.ts < CAST(s.f AS TIMESTAMP) - INTERVAL 1 DAY").fetchall()[0][0]
    if early:
        report.mismatches.append(f"rollup_first_seen: {early} events before a user's "
                                 "recorded first day")
    for prop in meta.properties:
        label = slice_label(prop)
        expect = (f"SELECT day, event, v AS value, count(*) AS n FROM (SELECT {day} AS day, "
                  f"event, {label} AS v FROM events WHERE {window}) WHERE day IN ({listed}) "
                  "GROUP BY ALL")
        got = (f"SELECT day, event, value, sum(n) AS n FROM rollup_slices WHERE property = "
               f"{literal(prop)} AND day IN ({listed}) GROUP BY ALL")
        _compare(con, f"slices[{prop}]", expect, got, report)
    return report


def _verify_runs(con: Any, zone: str, days: Sequence[date], listed: str,
                 report: VerifyReport) -> None:
    """Users active in the 7 and 30 days ending with each checked day: raw vs the runs."""
    lo = datetime.combine(min(days), datetime.min.time()) - timedelta(days=WIDEST + 2)
    hi = datetime.combine(max(days), datetime.min.time()) + timedelta(days=3)
    window = (f"ts >= TIMESTAMP '{lo:%Y-%m-%d %H:%M:%S}' AND ts < TIMESTAMP "
              f"'{hi:%Y-%m-%d %H:%M:%S}' AND user_id IS NOT NULL")
    day = local_day_sql(con, zone, window)
    active = f"SELECT DISTINCT user_id, {day} AS day FROM events WHERE {window}"
    checked = f"SELECT unnest([{listed}]) AS d"
    for width in (7, WIDEST):
        expect = (f"SELECT d, count(DISTINCT user_id) AS users FROM ({checked}) JOIN ({active}) "
                  f"ON day > d - {width} AND day <= d GROUP BY d")
        got = (f"SELECT d, sum(n) AS users FROM ({checked}) JOIN rollup_runs ON a <= d AND "
               f"d < least(a + {width}, z) GROUP BY d HAVING sum(n) <> 0")
        _compare(con, f"runs[{width} days]", expect, got, report)


def _verify_weeks(con: Any, zone: str, days: Sequence[date], report: VerifyReport) -> None:
    """Active days and events per user in the weeks (both conventions) of the checked days."""
    lo = datetime.combine(min(days), datetime.min.time()) - timedelta(days=9)
    hi = datetime.combine(max(days), datetime.min.time()) + timedelta(days=9)
    window = (f"ts >= TIMESTAMP '{lo:%Y-%m-%d %H:%M:%S}' AND ts < TIMESTAMP "
              f"'{hi:%Y-%m-%d %H:%M:%S}' AND user_id IS NOT NULL")
    day = local_day_sql(con, zone, window)
    for start in ("monday", "sunday"):
        weeks = ", ".join(f"DATE '{w}'" for w in sorted({
            d - timedelta(days=d.isoweekday() - 1 if start == "monday" else d.isoweekday() % 7)
            for d in days}))
        expect = (f"SELECT user_id, week, count(DISTINCT day) AS days, count(*) AS n FROM "
                  f"(SELECT user_id, day, {week_of('day', start)} AS week FROM (SELECT "
                  f"user_id, {day} AS day FROM events WHERE {window})) WHERE week IN ({weeks}) "
                  "GROUP BY ALL")
        got = (f"SELECT user_id, week, sum(days) AS days, sum(n) AS n FROM "
               f"{_named('rollup_user_week')} WHERE week IN ({weeks}) GROUP BY ALL")
        _compare(con, f"user_week[{start}]", expect, got, report)


def _named(table: str) -> str:
    """``table`` with each ``uid`` replaced by its ``user_id`` (NULL: a number no user has)."""
    return (f"(SELECT u.user_id, r.* EXCLUDE (uid) FROM {table} r LEFT JOIN rollup_users u "
            "USING (uid))")


def _compare(con: Any, name: str, expect: str, got: str, report: VerifyReport) -> None:
    diff = con.execute(
        f"SELECT count(*) FROM (({expect}) EXCEPT ALL ({got})) UNION ALL "
        f"SELECT count(*) FROM (({got}) EXCEPT ALL ({expect}))").fetchall()
    missing, extra = diff[0][0], diff[1][0]
    if missing or extra:
        report.mismatches.append(
            f"{name}: {missing} rows of the raw events are missing from the rollup, "
            f"{extra} rollup rows are not in the raw events")
