"""One day of bot activity: bursts of views at a fixed interval, a like on every 5th.

Bots ignore the daily rhythm (bursts start at any hour), never churn, never message and
act every ``bot_interval_s`` seconds with only a few milliseconds of jitter, far more
often than people do.
"""

from __future__ import annotations

import numpy as np

from applens.demo import _catalog as cat
from applens.demo._batch import EventBatch, segment_positions
from applens.demo._plan import DemoPlan
from applens.demo._population import DAY_MS, Population, ms

__all__ = ["BURSTS_PER_DAY", "bot_day"]

BURSTS_PER_DAY = 2
LIKE_EVERY = 5
JITTER_MS = 20


def bot_day(plan: DemoPlan, pop: Population, day: int, session_base: int,
            rng: np.random.Generator) -> EventBatch:
    """Events of every bot that exists on ``day``; sessions numbered from session_base."""
    bots = np.flatnonzero(pop.is_bot & (pop.created_day <= day))
    b_user = np.repeat(bots, BURSTS_PER_DAY)
    n_b = len(b_user)
    # Burst k starts somewhere in the k-th part of the day, never before signup.
    part = np.tile(np.arange(BURSTS_PER_DAY), len(bots))
    day_ms = ms(plan.start) + day * DAY_MS
    span = DAY_MS // BURSTS_PER_DAY
    start = day_ms + part * span + rng.integers(0, span - 3_600_000, n_b)
    start = np.maximum(start, pop.created_ms[b_user] + 1000)
    n_act = rng.integers(100, 160, n_b)
    a_burst = np.repeat(np.arange(n_b), n_act)
    a_pos = segment_positions(n_act)
    a_user = b_user[a_burst]
    interval = (pop.bot_interval_s[a_user] * 1000).astype(np.int64)
    jitter = rng.integers(-JITTER_MS, JITTER_MS + 1, len(a_burst))
    a_ts = start[a_burst] + 1000 + a_pos * interval + jitter
    sessions = session_base + np.arange(n_b)
    like = a_pos % LIKE_EVERY == LIKE_EVERY - 1
    return EventBatch.concat([
        EventBatch.of_kind(start, b_user, cat.APP_OPEN, sessions),
        EventBatch.of_kind(a_ts, a_user, cat.VIEW, sessions[a_burst]),
        EventBatch.of_kind(a_ts[like] + 1000, a_user[like], cat.LIKE, sessions[a_burst][like]),
    ])

