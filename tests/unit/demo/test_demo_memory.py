"""Chunked generation: memory is bounded by the block size, not by the number of events."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq

from applens.demo import generate


def _peak_bytes(out: Path, days: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        truth = generate(out, users=1_500, days=days, seed=2, chunk_users=100)
        return tracemalloc.get_traced_memory()[1], truth.data.events
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_log(tmp_path: Path) -> None:
    generate(tmp_path / "warm", users=200, days=21, seed=2)  # first-use allocations
    short_peak, short_events = _peak_bytes(tmp_path / "short", 21)
    long_peak, long_events = _peak_bytes(tmp_path / "long", 63)
    assert long_events > 2 * short_events
    # numpy working memory (what tracemalloc sees) stays flat; whole-log arrays would
    # grow with the number of events.
    assert long_peak < 1.5 * short_peak
    assert long_peak < long_events * 8  # less than one int64 per event held at once
    # Written as it goes: several row groups per day with blocks of 100 active users.
    meta = pq.ParquetFile(tmp_path / "long" / "events.parquet").metadata
    assert meta.num_row_groups > 63
    assert meta.num_rows == long_events


def test_block_size_does_not_change_what_is_planted(tmp_path: Path) -> None:
    small = generate(tmp_path / "s", users=600, days=21, seed=9, chunk_users=50)
    large = generate(tmp_path / "l", users=600, days=21, seed=9)
    assert small.bots == large.bots
    assert small.campaign == large.campaign
    assert small.experiment == large.experiment
    assert small.outage == large.outage
    # Different blocks draw different randomness, so the events themselves differ a bit.
    assert abs(small.data.events - large.data.events) < 0.1 * large.data.events
