"""One day of human activity: sessions of feed views, likes and messages, and crashes.

A session is an ``app_open`` followed by a log-normal number of actions with log-normal
gaps (median 10 s); sessions of one user are at least 30 minutes apart. Crashes end a
session; their hazard grows with the position in the session and is several times higher
on the buggy app version.
"""

from __future__ import annotations

import numpy as np

from applens.demo import _catalog as cat
from applens.demo._batch import EventBatch, segment_positions
from applens.demo._plan import TREATMENT_GROUP, TRUE_EFFECT, DemoPlan
from applens.demo._population import DAY_MS, Population, ms

__all__ = ["BUGGY_CRASH_HAZARD", "CRASH_HAZARD", "active_humans", "human_day"]

CRASH_HAZARD = 0.0008  # per action, at the start of a session
BUGGY_CRASH_HAZARD = 0.006
CRASH_GROWTH_ACTIONS = 15.0  # the hazard doubles after this many actions in a session
MIN_IDLE_MS = 30 * 60 * 1000


def active_humans(pop: Population, day: int, weekday_factor: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Indexes of humans active on ``day``: alive, and either signing up or drawn active."""
    alive = ~pop.is_bot & (pop.created_day <= day) & (day < pop.end_day)
    drawn = rng.random(pop.size) < pop.p_active * weekday_factor
    return np.flatnonzero(alive & (drawn | (pop.created_day == day)))


def human_day(plan: DemoPlan, pop: Population, users: np.ndarray, day: int,
              session_base: int, rng: np.random.Generator) -> EventBatch:
    """Events of ``users`` (all active) on ``day``; sessions numbered from session_base."""
    if len(users) == 0:
        return EventBatch.of_kind(np.zeros(0, np.int64), users, cat.APP_OPEN, users)
    n_sess = 1 + rng.poisson(pop.session_rate[users])
    s_user = np.repeat(users, n_sess)
    n_s = len(s_user)
    n_act = np.maximum(1, np.round(rng.lognormal(np.log(7.0), 0.8, n_s))).astype(np.int64)
    a_sess = np.repeat(np.arange(n_s), n_act)
    a_pos = segment_positions(n_act)
    gaps = rng.lognormal(np.log(10_000.0), 0.9, len(a_sess)).astype(np.int64) + 500
    a_offset = _segment_cumsum(gaps, n_act)
    duration = np.bincount(a_sess, weights=gaps, minlength=n_s).astype(np.int64) + 6000
    s_start = _session_starts(plan, pop, users, n_sess, duration, day, rng)
    a_user = s_user[a_sess]
    a_ts = s_start[a_sess] + a_offset

    is_msg = rng.random(len(a_sess)) < pop.message_share[a_user]
    base = np.where(pop.app_version[a_user] == _buggy_index(), BUGGY_CRASH_HAZARD, CRASH_HAZARD)
    crash = rng.random(len(a_sess)) < base * (1.0 + a_pos / CRASH_GROWTH_ACTIONS)
    before = _segment_cumsum(crash.astype(np.int64), n_act) - crash
    keep = before == 0  # nothing happens after the first crash of a session
    crash &= keep

    start_ms, end_ms = ms(plan.experiment_start), ms(plan.experiment_end)
    treated = (pop.group[a_user] == TREATMENT_GROUP) & (a_ts >= start_ms) & (a_ts < end_ms)
    p_like = pop.ctr[a_user] + TRUE_EFFECT * treated
    like = keep & ~is_msg & (rng.random(len(a_sess)) < p_like)

    msg = np.flatnonzero(keep & is_msg)
    pick = rng.integers(0, len(users), len(msg))
    receiver = users[pick]
    same = receiver == a_user[msg]
    receiver[same] = users[(pick[same] + 1) % len(users)]  # nobody writes to themselves

    sessions = session_base + np.arange(n_s)
    a_session = sessions[a_sess]
    slot_receiver = np.full(len(a_sess), -1, np.int64)
    slot_receiver[msg] = receiver
    slots = EventBatch(
        a_ts, a_user, np.where(is_msg, cat.MESSAGE, cat.VIEW).astype(np.int8),
        a_session, slot_receiver,
    ).select(keep)
    parts = [
        EventBatch.of_kind(s_start, s_user, cat.APP_OPEN, sessions),
        slots,
        EventBatch.of_kind(a_ts[like] + rng.integers(1000, 4000, int(like.sum())), a_user[like],
              cat.LIKE, a_session[like]),
        EventBatch.of_kind(a_ts[crash] + rng.integers(4500, 6000, int(crash.sum())), a_user[crash],
              cat.CRASH, a_session[crash]),
    ]
    return EventBatch.concat(parts)


def _session_starts(plan: DemoPlan, pop: Population, users: np.ndarray, n_sess: np.ndarray,
                    duration: np.ndarray, day: int, rng: np.random.Generator) -> np.ndarray:
    day_ms = ms(plan.start) + day * DAY_MS
    weights = np.asarray(cat.HOUR_WEIGHTS) / sum(cat.HOUR_WEIGHTS)
    hour = rng.choice(24, len(users), p=weights)
    first = day_ms + ((hour + rng.random(len(users))) * 3_600_000).astype(np.int64)
    # On the signup day the first session starts at signup.
    first = np.where(pop.created_day[users] == day, pop.created_ms[users], first)
    idle = MIN_IDLE_MS + rng.exponential(3 * 3_600_000, len(duration)).astype(np.int64)
    step = duration + idle
    later = _segment_cumsum(step, n_sess) - step  # time from the first session's start
    return np.repeat(first, n_sess) + later


def _segment_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum restarting at every segment."""
    total = np.cumsum(values)
    seg_end = np.cumsum(counts)
    before = np.concatenate([[0], total[seg_end[:-1] - 1]]) if len(counts) else total[:0]
    return total - np.repeat(before, counts)


def _buggy_index() -> int:
    return [v for v, _ in cat.APP_VERSIONS].index(cat.BUGGY_APP_VERSION)

