"""A chunk of generated events as parallel numpy arrays (one entry per event)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["EventBatch", "segment_positions"]


@dataclass(frozen=True)
class EventBatch:
    ts_ms: np.ndarray  # int64 ms since epoch, naive UTC
    user: np.ndarray  # int64 user index
    kind: np.ndarray  # int8 code into catalogue EVENT_KINDS
    session: np.ndarray  # int64 global session number
    receiver: np.ndarray  # int64 user index, -1 when not a message

    def __len__(self) -> int:
        return len(self.ts_ms)

    def select(self, index: np.ndarray) -> EventBatch:
        """Rows by boolean mask or integer index."""
        return EventBatch(
            self.ts_ms[index], self.user[index], self.kind[index],
            self.session[index], self.receiver[index],
        )

    def sorted(self) -> EventBatch:
        # Stable sort keeps a view before its like when both share a millisecond.
        return self.select(np.argsort(self.ts_ms, kind="stable"))

    @staticmethod
    def of_kind(ts: np.ndarray, user: np.ndarray, kind: int, session: np.ndarray) -> EventBatch:
        """Events of one kind, with no receiver."""
        n = len(ts)
        return EventBatch(
            ts.astype(np.int64), user.astype(np.int64), np.full(n, kind, np.int8),
            session.astype(np.int64), np.full(n, -1, np.int64),
        )

    @staticmethod
    def concat(batches: Sequence[EventBatch]) -> EventBatch:
        return EventBatch(*(
            np.concatenate([getattr(b, f) for b in batches])
            for f in ("ts_ms", "user", "kind", "session", "receiver")
        ))


def segment_positions(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... count-1 for each segment, concatenated: [2, 3] -> [0, 1, 0, 1, 2]."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts
