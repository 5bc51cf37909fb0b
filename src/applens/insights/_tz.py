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

from datetime import datetime
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from applens.insights._offsets import offsets

__all__ = ["local_time", "offsets"]


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
