"""Mask answers in chunks: the same numbers with tiny chunks injected, and the cap at
``MAX_CELLS`` (patterns x days) declining to the user-day rows with a why that says so."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from applens.insights import _mask_answers, _rollup_masks, rollups, run

RANGE = {"date_from": "2024-03-01", "date_to": "2024-05-29"}  # 90 days over three blocks
SPECS = {
    "stickiness": {"kind": "stickiness", "interval_count": 2, **RANGE},
    "lifecycle_daily": {"kind": "lifecycle", **RANGE},
    "lifecycle_weekly": {"kind": "lifecycle", "interval": "week", **RANGE},
    "retention_daily": {"kind": "retention", "total_intervals": 12, **RANGE},
    "retention_weekly": {"kind": "retention", "interval": "week", "total_intervals": 4,
                         **RANGE},
}


@pytest.fixture(scope="module")
def con():
    rng = np.random.default_rng(7)
    n = 4000
    ts = pd.Timestamp("2024-01-15") + pd.to_timedelta(rng.integers(0, 140 * 86400, n),
                                                      unit="s")
    frame = pd.DataFrame({"user_id": [f"u{i}" for i in rng.integers(0, 300, n)], "ts": ts,
                          "event": rng.choice(["view", "buy"], n)})
    backend = ibis.duckdb.connect()
    backend.create_table("events", frame)
    rollups.rebuild(backend.con, timezone="UTC", properties=[])
    return backend


@pytest.fixture(scope="module")
def scans(con):
    return {name: run(spec, con, path="scan").to_dict() for name, spec in SPECS.items()}


@pytest.mark.parametrize(("chunk", "unpack"), [(1, 1), (1000, 3)])
def test_chunked_answers_equal_the_scan(con, scans, monkeypatch, chunk, unpack):
    # chunk 1: one pattern per chunk; 1000 cells: a few rows each, a ragged last chunk
    monkeypatch.setattr(_rollup_masks, "CHUNK", chunk)
    monkeypatch.setattr(_rollup_masks, "_UNPACK", unpack)
    for name, spec in SPECS.items():
        got = run(spec, con)
        assert "bitmask of active days" in got.plan["why"], name
        assert got.to_dict() == scans[name], name


@pytest.mark.parametrize("chunk", [1, 1000])
def test_chunked_active_users_of_one_event_equal_the_scan(con, monkeypatch, chunk):
    """One event's DAU and rolling WAU/MAU from its day-mask patterns, chunk by chunk."""
    monkeypatch.setattr(_rollup_masks, "CHUNK", chunk)
    for interval in ("day", "week"):
        spec = {"kind": "active_users", "event": "buy", "math": ["dau", "wau", "mau"],
                "interval": interval, **RANGE}
        got = run(spec, con)
        assert got.plan["path"] == "rollup", interval
        assert got.to_dict() == run(spec, con, path="scan").to_dict(), interval


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_cap_declines_to_the_user_day_rows(con, scans, monkeypatch, name):
    sizes = []
    real = _mask_answers.patterns

    def spy(*args, **kwargs):
        got = real(*args, **kwargs)
        sizes.append(None if got is None else got.days.size)
        return got

    monkeypatch.setattr(_mask_answers, "patterns", spy)
    run(SPECS[name], con)
    cells = sizes[-1]
    assert cells and cells > 1000  # hundreds of patterns x the range's days
    monkeypatch.setattr(_rollup_masks, "MAX_CELLS", cells)  # at the cap: the masks answer
    at = run(SPECS[name], con)
    monkeypatch.setattr(_rollup_masks, "MAX_CELLS", cells - 1)  # past it: user-day rows
    past = run(SPECS[name], con)
    assert sizes[-2:] == [cells, None]
    assert "read as one bitmask of active days per user" in at.plan["why"]
    assert "too large" not in at.plan["why"]
    assert past.plan["path"] == "rollup"
    assert past.plan["why"].endswith("the day bitmasks were too large (MAX_CELLS), so the "
                                     "user-day rows answered")
    assert "read as one bitmask" not in past.plan["why"]
    assert at.to_dict() == past.to_dict() == scans[name]
