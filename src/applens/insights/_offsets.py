"""A timezone's UTC offsets over a span, as constants (no engine needed).

``insights._tz`` turns them into a portable Ibis expression; ``insights.rollups`` into the
SQL that gives each event its local day at ingest. Both use this one table, so a day in the
rollups is the day a scan would put the event in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["offsets"]


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
