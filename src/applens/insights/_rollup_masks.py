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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MASK_DDL", "MAX_CELLS", "Patterns", "add_masks", "patterns"]

MASK_DDL = "CREATE TABLE IF NOT EXISTS rollup_user_mask (uid INTEGER, blk INTEGER, mask UBIGINT)"
_EPOCH = date(1970, 1, 1)
# patterns x days past this (~200 MB of bytes) read the rollups' other tables instead
MAX_CELLS = 200_000_000
# words unpacked at a time (4 MB of bits): the words span up to 126 days more than the
# range, so unpacking them all at once could take many times MAX_CELLS bytes
_UNPACK = 1 << 16


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

    ``days``: (patterns, days) 0/1 bytes; ``users``: users with each pattern; ``before``:
    with ``before=True``, whether the pattern's users were active before ``lo`` (so the
    first active day of the others is their first day ever: no first-seen join)."""

    days: np.ndarray
    users: np.ndarray
    before: np.ndarray | None = None


def patterns(con: Any, lo: date, hi: date, *, before: bool = False) -> Patterns | None:
    """The patterns of the users active in ``[lo, hi)`` (and, ``before``, of those active
    earlier); None when there would be more than ``MAX_CELLS`` (the caller reads the other
    rollups)."""
    import numpy as np  # here, not above: ingest writes masks and needs no numpy (0.13 s)

    e0, e1 = (lo - _EPOCH).days, (hi - _EPOCH).days
    n = e1 - e0
    b0, b1 = e0 >> 6, (e1 - 1) >> 6
    start = e0 - b0 * 64
    words = ", ".join(f"coalesce(bit_or(mask) FILTER (WHERE blk = {b}), 0) AS m{b - b0}"
                      for b in range(b0, b1 + 1))
    keys = ", ".join(f"m{i}" for i in range(b1 - b0 + 1))
    where, early = f"blk BETWEEN {b0} AND {b1}", ""
    if before:  # an earlier block, or a bit of the first one below lo
        where, words = f"blk <= {b1}", f"{words}, bool_or(blk < {b0}) AS e"
        early = f", e OR (m0 & CAST({(1 << start) - 1} AS UBIGINT)) <> 0 AS early"
    got = con.execute(
        f"SELECT {keys}{early}, count(*) AS w FROM (SELECT uid, {words} FROM "
        f"rollup_user_mask WHERE {where} GROUP BY uid) GROUP BY ALL").fetchnumpy()
    if len(got["w"]) * n > MAX_CELLS:
        return None
    stacked = np.stack([np.asarray(got[f"m{i}"], dtype="<u8") for i in range(b1 - b0 + 1)],
                       axis=1) if len(got["w"]) else np.zeros((0, b1 - b0 + 1), "<u8")
    days = np.empty((len(got["w"]), n), np.uint8)
    step = max(1, _UNPACK // stacked.shape[1])
    for r in range(0, len(days), step):
        bits = np.unpackbits(np.ascontiguousarray(stacked[r:r + step]).view(np.uint8), axis=1,
                             bitorder="little")
        days[r:r + step] = bits[:, start:start + n]
    return Patterns(days, np.asarray(got["w"], dtype=np.int64),
                    np.asarray(got["early"], dtype=bool) if before else None)
