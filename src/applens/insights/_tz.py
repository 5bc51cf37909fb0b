"""UTC → local wall clock as a portable Ibis expression.

Engines spell timezone conversion differently (DuckDB/PostgreSQL ``timezone()``, ClickHouse
``toTimeZone``, Spark ``from_utc_timestamp``). Instead we add the UTC offset, which is
piecewise constant: the few DST transitions inside the span a query touches become a
``CASE`` of constants computed here with ``zoneinfo``. That compiles identically on every
engine and costs one comparison per transition. Timestamps outside the span get the offset
of the nearest edge; callers pad the span so such timestamps can never land in a period
they look at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

__all__ = ["local_time", "offsets"]


def _offset(instant_utc: datetime, zone: ZoneInfo) -> int:
    off = instant_utc.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def offsets(zone: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime | None, int]]:
    """``[(None, o0), (t1, o1), …]``: offset ``o_i`` (seconds) holds from UTC instant ``t_i``."""
    result: list[tuple[datetime | None, int]] = [(None, _offset(lo, zone))]
    step = timedelta(hours=6)  # no zone changes offset twice within 6 hours
    cursor = lo
    while cursor < hi:
        nxt = min(cursor + step, hi)
        if _offset(nxt, zone) != result[-1][1]:
            a, b = 0, int((nxt - cursor).total_seconds())  # bisect on whole seconds
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(cursor + timedelta(seconds=mid), zone) == result[-1][1]:
                    a = mid
                else:
                    b = mid
            b = cursor + timedelta(seconds=b)
            result.append((b, _offset(b, zone)))
        cursor = nxt
    return result


def local_time(
    ts: ir.TimestampValue, zone: ZoneInfo, lo: datetime, hi: datetime
) -> ir.TimestampValue:
    """Naive-UTC ``ts`` as naive local time, exact for instants in ``[lo, hi]`` (naive UTC)."""
    table = offsets(zone, lo, hi)
    if len(table) == 1:
        return ts if table[0][1] == 0 else ts + ibis.interval(seconds=table[0][1])
    branches = [
        (ts < start, ibis.interval(seconds=prev_off))
        for (start, _), (_, prev_off) in zip(table[1:], table[:-1], strict=True)
    ]
    return ts + ibis.cases(*branches, else_=ibis.interval(seconds=table[-1][1]))
