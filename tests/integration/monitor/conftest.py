"""A workspace with 9 days of 15-minute app traffic (daily cycle, Poisson noise) and
helpers to plant incidents, declare monitors and run them at a chosen instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from applens.workspace import Workspace

START = datetime(2026, 11, 1)
DAYS = 9
SLICE = timedelta(minutes=15)
# The incident day: 13:00 UTC on the last day.
INCIDENT = START + timedelta(days=DAYS - 1, hours=13)


def traffic(seed: int = 5) -> pd.DataFrame:
    """Events ``ts, user_id, event, os``: ~120-360 per slice and os, 20 % of them likes."""
    rng = np.random.default_rng(seed)
    slots = pd.date_range(START, periods=DAYS * 96, freq="15min")
    hours = slots.hour + slots.minute / 60
    frames = []
    for os_name, scale in (("iOS", 1.0), ("Android", 1.5)):
        lam = scale * 160 * (1 + 0.5 * np.sin(2 * np.pi * (hours - 9) / 24))
        counts = rng.poisson(lam)
        starts = np.repeat(slots.to_numpy(), counts)
        offsets = rng.integers(0, 900_000, counts.sum()).astype("timedelta64[ms]")
        frames.append(pd.DataFrame({
            "ts": starts + offsets,
            "user_id": rng.integers(0, 5000, counts.sum()).astype(str),
            "event": np.where(rng.random(counts.sum()) < 0.2, "like", "view"),
            "os": os_name,
        }))
    return pd.concat(frames, ignore_index=True).sort_values("ts", ignore_index=True)


def thin(frame: pd.DataFrame, start: datetime, slices: int, keep: float, os: str | None = None,
         seed: int = 1) -> pd.DataFrame:
    """Drop all but ``keep`` of the events in ``slices`` slices from ``start`` (an outage)."""
    rng = np.random.default_rng(seed)
    inside = (frame.ts >= start) & (frame.ts < start + slices * SLICE)
    if os is not None:
        inside &= frame.os == os
    lost = inside & (rng.random(len(frame)) >= keep)
    return frame[~lost].reset_index(drop=True)


class Bench:
    """One workspace: ``configure`` writes applens.toml, ``load`` replaces the events."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ws = Workspace.init(folder)

    def configure(self, toml: str) -> None:
        self.ws.close()
        (self.folder / "applens.toml").write_text(toml, encoding="utf-8")
        self.ws = Workspace(self.folder)

    def load(self, frame: pd.DataFrame, until: datetime | None = None) -> None:
        if until is not None:
            frame = frame[frame.ts < until]
        con = self.ws.connection
        con.register("_frame", frame)
        con.execute("CREATE OR REPLACE TABLE events AS SELECT * FROM _frame")
        con.unregister("_frame")

    def run(self, at: datetime):
        from applens.monitor import run_once

        return run_once(self.ws, now=at, sleep=lambda s: None)


@pytest.fixture(scope="session")
def base_traffic() -> pd.DataFrame:
    return traffic()


@pytest.fixture
def bench(tmp_path: Path) -> Callable[..., Bench]:
    made: list[Bench] = []

    def make() -> Bench:
        b = Bench(tmp_path / f"ws{len(made)}")
        made.append(b)
        return b

    yield make
    for b in made:
        b.ws.close()


def monitors_toml(receiver_url: str, extra: str = "") -> str:
    """applens.toml with [notify] → the receiver and one or more monitors."""
    lines = ["[notify]", f'urls = ["{receiver_url}"]', "retries = 1", "backoff_seconds = 0", ""]
    return "\n".join(lines) + extra
