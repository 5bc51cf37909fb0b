"""Lifecycle from the day masks when users were active blocks (64 days) before the range.

The masks read 'active before the range' from earlier blocks (``bool_or(blk < b0)`` in
``_rollup_masks.patterns``): a user last seen in January and back in May is resurrecting,
not new. The range here starts two blocks after the first data, and a late ingest adds
January days (an older block) for users first seen in May; each answer equals the scan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from applens.ingest import ingest
from applens.insights import query
from applens.workspace import Workspace

TZ = "Europe/Berlin"
RANGE = {"date_from": "2024-05-06", "date_to": "2024-05-26"}  # blocks 310-311; data from 308
SPECS = {"daily": {"kind": "lifecycle", **RANGE},
         "weekly": {"kind": "lifecycle", "interval": "week", "week_start": "monday", **RANGE}}


def _events(seed: int, users: range, start: str, days: int, per_user: int) -> pd.DataFrame:
    """``per_user`` events per user at noon on random days of ``[start, start + days)``."""
    rng = np.random.default_rng(seed)
    uid = np.repeat(np.array(users), per_user)
    day = pd.Timestamp(f"{start} 12:00") + pd.to_timedelta(rng.integers(0, days, uid.size),
                                                           unit="D")
    return pd.DataFrame({"ts": day.strftime("%Y-%m-%d %H:%M:%S"),
                         "user_id": [f"u{i}" for i in uid], "event": "view"})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    first = pd.concat([
        _events(1, range(0, 60), "2024-01-02", 40, 4),  # January-February only (block 308)
        _events(2, range(0, 60), "2024-05-06", 20, 3),  # ... and back in the range
        _events(3, range(100, 160), "2024-01-01", 150, 30),  # all along
        _events(4, range(200, 260), "2024-05-06", 20, 3),  # first seen in the range
    ]).sort_values("ts")
    late = _events(5, range(200, 230), "2024-01-03", 30, 2)  # January, ingested after May
    paths = folder / "first.csv", folder / "late.csv"
    first.to_csv(paths[0], index=False)
    late.sort_values("ts").to_csv(paths[1], index=False)
    return paths


def _answers(ws) -> dict[str, dict]:
    got = {}
    for name, spec in SPECS.items():
        rollup, scan = query(spec, ws), query(spec, ws, path="scan")
        assert "bitmask" in rollup.plan["why"], name
        assert rollup.to_dict() == scan.to_dict(), name
        got[name] = rollup.to_dict()
    return got


def test_users_active_blocks_before_the_range_are_not_new(tmp_path, files):
    with Workspace.init(tmp_path / "ws", timezone=TZ) as ws:
        ingest(ws, files[0])
        before = _answers(ws)
        # the January-only users come back in the range: resurrecting, never new
        daily = before["daily"]
        assert sum(daily["new"]) == 60 and sum(daily["resurrecting"]) >= 60
        ingest(ws, files[1])  # late January days for 30 of the users first seen in May
        after = _answers(ws)
    for name in SPECS:
        assert sum(after[name]["new"]) == sum(before[name]["new"]) - 30, name
        assert sum(after[name]["resurrecting"]) > sum(before[name]["resurrecting"]), name
