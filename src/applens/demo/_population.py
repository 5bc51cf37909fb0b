"""Who is in the demo: humans (organic, ads, a campaign wave), bots, and their traits.

Everything per user lives in one numpy array per trait (index = user index), so the event
generator can look traits up for millions of events with one fancy-index. User ids grow
with signup time, the way an auto-increment id would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from applens.demo import _catalog as cat
from applens.demo._plan import DemoPlan
from applens.experiments.assignment import bucket_bounds, bucket_of

__all__ = ["EXPERIMENT_WEIGHTS", "Population", "make_population", "ms"]

EXPERIMENT_WEIGHTS = (0.25, 0.25, 0.25, 0.25)
DAY_MS = 86_400_000
BOTS_PER_IP = 5
ORGANIC, ADS = 0, 1
SOURCES = ("organic", "ads")


def ms(moment: dt.datetime) -> int:
    """Milliseconds since the epoch of a naive UTC datetime."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp() * 1000)


@dataclass(frozen=True)
class Population:
    """Per-user traits; every array has one entry per user, in user-id order."""

    user_ids: pa.Array  # string
    attrs: dict[str, pa.Array]  # canonical column -> per-user string (os, city, ip, ...)
    created_ms: np.ndarray
    created_day: np.ndarray  # day index of signup; negative = before the data starts
    end_day: np.ndarray  # planted churn: no activity on days >= end_day
    is_bot: np.ndarray
    is_campaign: np.ndarray
    app_version: np.ndarray  # index into catalogue APP_VERSIONS
    os: np.ndarray  # index into catalogue OSES
    p_active: np.ndarray  # chance of being active on a given day
    session_rate: np.ndarray  # sessions per active day = 1 + Poisson(session_rate)
    ctr: np.ndarray  # like probability per view, before any treatment
    message_share: np.ndarray  # share of actions that are messages
    bot_interval_s: np.ndarray  # seconds between a bot's actions (0 for humans)
    group: np.ndarray  # experiment group 1..4 by salted hash

    @property
    def size(self) -> int:
        return len(self.user_ids)

    def users_table(self) -> pa.Table:
        """The ``users`` table as written to users.csv."""
        created = pa.array(self.created_ms // 1000, pa.int64()).cast(pa.timestamp("s"))
        cols = {"user_id": self.user_ids, "created_at": created}
        for name in ("gender", "age", "country", "city", "os", "source"):
            cols[name] = self.attrs[name]
        return pa.table(cols)


def make_population(plan: DemoPlan, rng: np.random.Generator) -> Population:
    n = plan.users
    n_bots = max(4, round(0.003 * n))
    n_campaign = round(0.06 * n)
    n_pre = round(0.45 * n)
    n_new = n - n_bots - n_campaign - n_pre
    kind = np.repeat(np.arange(4), [n_pre, n_new, n_campaign, n_bots])  # pre/new/campaign/bot
    is_bot, is_campaign = kind == 3, kind == 2

    created_ms = _signup_times(plan, rng, kind)
    source = np.where(is_campaign, ADS, (rng.random(n) < 0.4).astype(np.int64))
    source[is_bot] = ORGANIC

    # Retention: ads users leave sooner, the campaign wave almost at once.
    mean_life = np.select([is_campaign, source == ADS], [2.5, 30.0], 90.0)
    created_day = np.floor_divide(created_ms - ms(plan.start), DAY_MS)
    end_day = np.maximum(created_day, 0) + rng.exponential(mean_life)
    end_day[is_bot] = np.inf

    alpha = np.select([is_campaign, source == ADS], [1.2, 1.6], 2.2)
    p_active = rng.beta(alpha, 5.0 - alpha)
    session_rate = rng.gamma(2.0, 0.5, n)
    ctr = rng.beta(4.0, 16.0, n)
    message_share = np.where(rng.random(n) < 0.4, rng.beta(2.0, 6.0, n), 0.0)

    os_idx = _choice(rng, [w for _, w in cat.OSES], n)
    version = _choice(rng, [w for _, w in cat.APP_VERSIONS], n)
    device = rng.integers(0, 4, n)
    city = _choice(rng, [w for *_, w in cat.CITIES], n)
    bot_interval = np.zeros(n)
    ip_int = rng.integers(_ip(31, 0, 0, 0), _ip(223, 255, 255, 255), n)
    # A few households share an address (pairs, mostly), far fewer than a bot farm's.
    n_h = n - n_bots
    shared = np.flatnonzero(rng.random(n_h) < 0.03)
    ip_int[shared] = ip_int[rng.integers(0, n_h, len(shared))]

    # Bot farms: BOTS_PER_IP accounts behind one address, one phone model, one version,
    # a fixed action interval each.
    farm = np.arange(n_bots) // BOTS_PER_IP
    n_farms = int(farm.max()) + 1
    bots = np.flatnonzero(is_bot)
    ip_int[bots] = rng.integers(_ip(31, 0, 0, 0), _ip(223, 255, 255, 255), n_farms)[farm]
    os_idx[bots] = 0
    version[bots] = rng.integers(0, len(cat.APP_VERSIONS), n_farms)[farm]
    device[bots] = rng.integers(0, 4, n_farms)[farm]
    city[bots] = rng.integers(0, len(cat.CITIES), n_farms)[farm]
    bot_interval[bots] = rng.choice([2.0, 2.5, 3.0, 4.0], n_bots)
    ctr[bots] = 0.2  # bots like every 5th post (set in the bot generator)
    message_share[bots] = 0.0

    age = np.clip(np.round(rng.lognormal(np.log(27.0), 0.35, n)), 14, 80).astype(np.int64)
    male = rng.random(n) < 0.55

    order = np.argsort(created_ms, kind="stable")
    width = max(6, len(str(n)))
    user_ids = pa.array([f"u{i:0{width}d}" for i in range(1, n + 1)], pa.string())
    os_idx, version, device, city = os_idx[order], version[order], device[order], city[order]
    attrs = {
        "gender": _labels(("female", "male"), male[order].astype(np.int64)),
        "age": pa.array(age[order]),
        "os": _labels([o for o, _ in cat.OSES], os_idx),
        "app_version": _labels([v for v, _ in cat.APP_VERSIONS], version),
        "device": _labels(
            [d for o, _ in cat.OSES for d in cat.DEVICES[o]], os_idx * 4 + device
        ),
        "country": _labels([c for c, *_ in cat.CITIES], city),
        "city": _labels([c for _, c, _ in cat.CITIES], city),
        "source": _labels(SOURCES, source[order]),
        "ip": _ip_strings(ip_int[order]),
    }
    return Population(
        user_ids=user_ids,
        attrs=attrs,
        created_ms=created_ms[order],
        created_day=created_day[order],
        end_day=end_day[order],
        is_bot=is_bot[order],
        is_campaign=is_campaign[order],
        app_version=version,
        os=os_idx,
        p_active=p_active[order],
        session_rate=session_rate[order],
        ctr=ctr[order],
        message_share=message_share[order],
        bot_interval_s=bot_interval[order],
        group=_groups(user_ids, plan.experiment_salt),
    )


def _signup_times(plan: DemoPlan, rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    n = len(kind)
    start = ms(plan.start)
    hour = _choice(rng, cat.HOUR_WEIGHTS, n)
    in_day = (hour * 3600 + rng.random(n) * 3600) * 1000
    # Pre-existing users signed up in the half year before the data.
    created = start - (rng.random(n) * 180 * DAY_MS).astype(np.int64)
    weekday = [cat.WEEKDAY_FACTORS[plan.day_start(d).weekday()] for d in range(plan.days)]
    new_day = _choice(rng, weekday, n)
    created = np.where(kind == 1, start + new_day * DAY_MS + in_day, created)
    # The campaign push lands at 10:00 UTC; sign-ups follow over the next hours.
    push = (10 * 3600 + rng.exponential(3 * 3600, n).clip(0, 13 * 3600)) * 1000
    created = np.where(kind == 2, start + plan.campaign_day * DAY_MS + push, created)
    bot_day = rng.integers(0, max(1, plan.days // 2), n)
    created = np.where(kind == 3, start + bot_day * DAY_MS + in_day, created)
    return created.astype(np.int64)


def _choice(rng: np.random.Generator, weights: object, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size, p=p / p.sum())


def _labels(names: object, index: np.ndarray) -> pa.Array:
    return pa.array(list(names), pa.string()).take(pa.array(index))  # type: ignore[call-overload]


def _ip(a: int, b: int, c: int, d: int) -> int:
    return (a << 24) | (b << 16) | (c << 8) | d


def _ip_strings(ip_int: np.ndarray) -> pa.Array:
    octets = [pc.cast(pa.array((ip_int >> s) & 255), pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def _groups(user_ids: pa.Array, salt: str) -> np.ndarray:
    # Same rule as assign_group (buckets by salted md5), vectorised over the bounds.
    buckets = np.array([bucket_of(u, salt) for u in user_ids.to_pylist()], dtype=np.int64)
    bounds = np.asarray(bucket_bounds(EXPERIMENT_WEIGHTS))
    return (np.searchsorted(bounds, buckets, side="right") + 1).astype(np.int8)
