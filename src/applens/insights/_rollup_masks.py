"""Per-user day bitmasks: one row per user and 64 days, so an any-event question reads rows
that grow with users, not with user-days.

``rollup_user_mask (uid, blk, mask)``: bit ``i`` of ``mask`` is set when user ``uid`` did
any event on local day ``blk * 64 + i`` (days since 1970-01-01). Each ingest appends the
masks of its user-days; readers ``bit_or`` rows that share a key (OR is idempotent, so a
day two ingests share needs no merge). ``patterns`` reads the masks of a range of days,
one row per distinct pattern of active days with the number of users who have it: at 100M
events (200k users x 90 days) that is at most 200k rows of a few words each, against ~18M
user-days in ``rollup_user_day``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

__all__ = ["MASK_DDL", "MAX_CELLS", "Patterns", "add_masks", "patterns"]

MASK_DDL = "CREATE TABLE IF NOT EXISTS rollup_user_mask (uid INTEGER, blk INTEGER, mask UBIGINT)"
_EPOCH = date(1970, 1, 1)
# patterns x days past this (~200 MB of bytes) read the rollups' other tables instead
MAX_CELLS = 200_000_000


def add_masks(con: Any, delta: str) -> None:
    """Append the masks of the user-days in table ``delta`` (uid, day, ...). Reads no rollup
    table, so it is safe anywhere in the ingest's transaction."""
    con.execute(
        "INSERT INTO rollup_user_mask SELECT uid, CAST(e >> 6 AS INTEGER) AS blk, "
        "bit_or(CAST(1 AS UBIGINT) << CAST(e & 63 AS UBIGINT)) FROM (SELECT uid, "
        f"day - DATE '1970-01-01' AS e FROM {delta}) GROUP BY uid, blk ORDER BY blk, uid")


@dataclass(frozen=True)
class Patterns:
    """Distinct patterns of active days over ``[lo, lo + days.shape[1])``.

    ``days``: (patterns, days) 0/1 bytes; ``users``: users with each pattern; ``first``:
    with ``first=True``, each pattern's users' first-seen day as an offset from ``lo``
    (-1: before ``lo`` or unknown, so never a day of the range)."""

    days: np.ndarray
    users: np.ndarray
    first: np.ndarray | None = None


def patterns(con: Any, lo: date, hi: date, *, first: bool = False) -> Patterns | None:
    """The patterns of the users active in ``[lo, hi)``; None when there would be more than
    ``MAX_CELLS`` (the caller reads the other rollups)."""
    e0, e1 = (lo - _EPOCH).days, (hi - _EPOCH).days
    n = e1 - e0
    b0, b1 = e0 >> 6, (e1 - 1) >> 6
    words = ", ".join(f"coalesce(bit_or(mask) FILTER (WHERE blk = {b}), 0) AS m{b - b0}"
                      for b in range(b0, b1 + 1))
    keys = ", ".join(f"m{i}" for i in range(b1 - b0 + 1))
    # A user's first day matters only inside the range: clamped, so patterns stay few.
    seen = (f", CASE WHEN f >= DATE '{lo}' AND f < DATE '{hi}' THEN f - DATE '{lo}' ELSE -1 "
            "END AS f FROM u LEFT JOIN (SELECT uid, min(first_day) AS f FROM rollup_first_seen "
            "GROUP BY uid) USING (uid)") if first else " FROM u"
    got = con.execute(
        f"WITH u AS (SELECT uid, {words} FROM rollup_user_mask WHERE blk BETWEEN {b0} AND {b1} "
        f"GROUP BY uid) SELECT {keys}{', f' if first else ''}, count(*) AS w FROM (SELECT "
        f"{keys}{seen}) GROUP BY ALL").fetchnumpy()
    if len(got["w"]) * n > MAX_CELLS:
        return None
    words_ = np.stack([np.asarray(got[f"m{i}"], dtype="<u8") for i in range(b1 - b0 + 1)],
                      axis=1) if len(got["w"]) else np.zeros((0, b1 - b0 + 1), "<u8")
    bits = np.unpackbits(np.ascontiguousarray(words_).view(np.uint8), axis=1,
                         bitorder="little")
    start = e0 - b0 * 64
    return Patterns(np.ascontiguousarray(bits[:, start:start + n]),
                    np.asarray(got["w"], dtype=np.int64),
                    np.asarray(got["f"], dtype=np.int64) if first else None)
