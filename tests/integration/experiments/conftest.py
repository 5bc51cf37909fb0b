"""A seeded two-arm experiment in a real workspace, for readouts compared across sources
and settings rather than checked number by number (those are in test_experiments_declared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from applens.ingest import ingest
from applens.workspace import Workspace

START = pd.Timestamp("2024-03-01")
N_USERS = 400
# The body of an [experiments.NAME] table over these events (after its assignment source).
SETTINGS = """variants = ["control", "treatment"]
start = 2024-03-01
end = 2024-03-08
metrics = ["ctr=like/view", "retention_1", "count:like"]
guardrails = ["count:view"]
cuped = true
pre_period_days = 7
bootstrap_resamples = 300
"""


def _views(rng: np.random.Generator, user: str, first: pd.Timestamp, like_rate: float,
           mean_views: float) -> list[tuple[pd.Timestamp, str, str]]:
    rows = []
    for k in range(int(rng.poisson(mean_views)) + 1):
        at = first + pd.Timedelta(minutes=5 * k)
        rows.append((at, user, "view"))
        if rng.random() < like_rate:
            rows.append((at + pd.Timedelta(seconds=30), user, "like"))
    return rows


def synthetic_events(seed: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events (naive UTC) and each user's arm. Each user has a like rate (mean 0.2) seen
    before the start too (a CUPED covariate); treatment multiplies it by 1.2 and brings
    users back on day 1 a little more often."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame({"user_id": [f"u{i:03d}" for i in range(N_USERS)],
                          "arm": rng.choice(["control", "treatment"], N_USERS)})
    rows = []
    for user, arm in zip(users.user_id, users.arm, strict=True):
        treated = arm == "treatment"
        rate = float(rng.beta(2, 8))
        first = START + pd.Timedelta(hours=float(rng.uniform(1, 120)))
        rows += _views(rng, user, first - pd.Timedelta(days=3), rate, 4)
        rows += _views(rng, user, first, rate * (1.2 if treated else 1.0), 6)
        if rng.random() < (0.45 if treated else 0.38):
            rows.append((first + pd.Timedelta(days=1), user, "app_open"))
    rows.append((START + pd.Timedelta(days=20), "ops", "heartbeat"))  # day 1 over for everyone
    events = pd.DataFrame(rows, columns=["ts", "user_id", "event"])
    return events, users


@pytest.fixture
def synthetic_workspace(tmp_path: Path):
    """Returns ``make(config)``: a workspace with the events and a ``users`` table whose
    ``program`` column holds the arm; ``.arms`` is the arm of each user."""
    opened: list[Workspace] = []
    events, users = synthetic_events()

    def make(config: str) -> Workspace:
        folder = tmp_path / f"ws{len(opened)}"
        folder.mkdir()
        (folder / "applens.toml").write_text(config, encoding="utf-8")
        events.to_csv(folder / "events.csv", index=False)
        users.rename(columns={"arm": "program"}).to_csv(folder / "users.csv", index=False)
        ws = Workspace.init(folder)
        opened.append(ws)
        ingest(ws, folder / "events.csv")
        ingest(ws, folder / "users.csv", table="users")
        return ws

    make.arms = users  # type: ignore[attr-defined]
    yield make
    for ws in opened:
        ws.close()
