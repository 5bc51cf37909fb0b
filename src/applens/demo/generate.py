"""``generate``: write a realistic social-app event log with known, planted effects.

The log is produced day by day and, within a day, in blocks of at most ``chunk_users``
active users, each block written straight to disk; memory therefore depends on the block
size and the number of users, never on the number of days or events.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path
from typing import get_args

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from applens._files import atomic_path
from applens.demo import _catalog as cat
from applens.demo._batch import EventBatch
from applens.demo._bots import bot_day
from applens.demo._humans import (
    BUGGY_CRASH_HAZARD,
    CRASH_GROWTH_ACTIONS,
    CRASH_HAZARD,
    active_humans,
    human_day,
)
from applens.demo._plan import (
    AA_GROUPS,
    CONTROL_GROUP,
    DEFAULT_END_DATE,
    EXPERIMENT_GROUPS,
    OUTAGE_DROP,
    TREATMENT_GROUP,
    TRUE_EFFECT,
    DemoPlan,
    make_plan,
)
from applens.demo._population import EXPERIMENT_WEIGHTS, Population, make_population, ms
from applens.demo._sink import EventsFormat, EventSink
from applens.demo._tickets import write_tickets
from applens.demo._truth import (
    BotsTruth,
    CampaignTruth,
    CrashTruth,
    DataInfo,
    ExperimentTruth,
    GroundTruth,
    OutageTruth,
    iso_utc,
)
from applens.errors import InvalidParameterError

__all__ = ["DEFAULT_CHUNK_USERS", "generate"]

logger = logging.getLogger(__name__)
DEFAULT_CHUNK_USERS = 20_000


def generate(
    out_dir: str | Path,
    *,
    users: int = 5_000,
    days: int = 35,
    seed: int = 0,
    end_date: dt.date = DEFAULT_END_DATE,
    events_format: EventsFormat = "parquet",
    chunk_users: int = DEFAULT_CHUNK_USERS,
) -> GroundTruth:
    """Write ``events.<format>``, ``users.csv`` and ``ground_truth.json`` into ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write into (created if missing; existing demo files are replaced).
    users : people in the population, bots and campaign sign-ups included (>= 200).
    days : length of the log in days (>= 21); data covers ``[end_date - days, end_date)``.
    seed : the same seed and sizes always give byte-identical data.
    end_date : the data stops just before this date's midnight UTC (pass today to end
        yesterday).
    events_format : ``"parquet"`` (default) or ``"csv"``; both are streamed.
    chunk_users : most active users generated and written in one piece (bounds memory).

    Returns
    -------
    GroundTruth : the planted effects, also written as ``ground_truth.json``.

    Examples
    --------
    >>> truth = generate(tmp_path, users=1_000, days=21, seed=1)  # doctest: +SKIP
    >>> truth.experiment.true_effect                               # doctest: +SKIP
    0.03
    """
    if events_format not in get_args(EventsFormat):
        raise InvalidParameterError(
            f"The 'events_format' must be one of {list(get_args(EventsFormat))}. "
            f"Got {events_format!r} instead."
        )
    plan = make_plan(users=users, days=days, seed=seed, end_date=end_date,
                     chunk_users=chunk_users)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pop = make_population(plan, np.random.default_rng([seed, 0]))
    with atomic_path(out / "users.csv") as users_tmp:
        pacsv.write_csv(pop.users_table(), users_tmp)

    outage_version = _outage_version(plan, pop)
    sink = EventSink(out, events_format, pop)
    try:
        last_ms = _write_events(plan, pop, sink, outage_version)
    except BaseException:
        sink.abort()
        raise
    sink.close()
    truth = _ground_truth(plan, pop, last_ms, sink, outage_version)
    truth.write(out / "ground_truth.json")
    write_tickets(out, plan, pop, seed)  # tickets.csv + tickets_truth.json (support demo)
    logger.info("demo: %d users, %d events in %s", plan.users, sink.rows, sink.path)
    return truth


def _write_events(plan: DemoPlan, pop: Population, sink: EventSink,
                  outage_version: str) -> np.ndarray:
    """Generate and write every chunk; return each user's last event time (ms, -1: none)."""
    last_ms = np.full(pop.size, -1, np.int64)
    session_base = 0
    for day in range(plan.days):
        weekday = cat.WEEKDAY_FACTORS[plan.day_start(day).weekday()]
        active = active_humans(pop, day, weekday, np.random.default_rng([plan.seed, 1, day]))
        n_blocks = max(1, math.ceil(len(active) / plan.chunk_users))
        for block, users in enumerate(np.array_split(active, n_blocks)):
            rng = np.random.default_rng([plan.seed, 2, day, block])
            batches = [human_day(plan, pop, users, day, session_base, rng)]
            session_base = _next_session(batches[-1], session_base)
            if block == 0:
                batches.append(bot_day(plan, pop, day, session_base, rng))
                session_base = _next_session(batches[-1], session_base)
            batch = _apply_outage(plan, pop, EventBatch.concat(batches), outage_version, rng)
            batch = batch.select(batch.ts_ms < ms(plan.end)).sorted()
            np.maximum.at(last_ms, batch.user, batch.ts_ms)
            sink.write(batch)
    return last_ms


def _next_session(batch: EventBatch, base: int) -> int:
    return int(batch.session.max(initial=base - 1)) + 1


def _outage_version(plan: DemoPlan, pop: Population) -> str:
    """The version most users of the outage's OS are on when it starts, the buggy one aside.

    An outage a team wants paged for hits people in numbers: the smallest slice (5.0.0, 3-5
    people per 15 minutes at 3000 users) was a hole no detector could tell from noise.
    """
    versions = [v for v, _ in cat.APP_VERSIONS]
    oses = [o for o, _ in cat.OSES]
    day = (plan.outage_start - plan.start).days
    there = ((pop.os == oses.index(cat.OUTAGE_OS)) & (pop.created_ms < ms(plan.outage_start))
             & (pop.end_day > day))
    users = np.bincount(pop.app_version[there], minlength=len(versions))
    users[versions.index(cat.BUGGY_APP_VERSION)] = -1
    return versions[int(np.argmax(users))]


def _apply_outage(plan: DemoPlan, pop: Population, batch: EventBatch, version: str,
                  rng: np.random.Generator) -> EventBatch:
    """Drop most events of the outage slice (OS x ``version``) inside the outage window."""
    versions = [v for v, _ in cat.APP_VERSIONS]
    oses = [o for o, _ in cat.OSES]
    in_slice = (pop.os[batch.user] == oses.index(cat.OUTAGE_OS)) & (
        pop.app_version[batch.user] == versions.index(version)
    )
    in_window = (batch.ts_ms >= ms(plan.outage_start)) & (batch.ts_ms < ms(plan.outage_end))
    lost = in_slice & in_window & (rng.random(len(batch)) < OUTAGE_DROP)
    return batch.select(~lost)


def _ground_truth(plan: DemoPlan, pop: Population, last_ms: np.ndarray,
                  sink: EventSink, outage_version: str) -> GroundTruth:
    ids = np.asarray(pop.user_ids.to_pylist(), dtype=object)
    seen = last_ms >= 0
    churned = seen & (last_ms < ms(plan.churn_cutoff))
    bots = np.flatnonzero(pop.is_bot)
    bot_ips = pa.array(pop.attrs["ip"].take(pa.array(bots))).unique().to_pylist()
    return GroundTruth(
        bots=BotsTruth(
            user_ids=list(ids[bots]), ips=sorted(bot_ips),
            min_interval_seconds=float(pop.bot_interval_s[bots].min()),
        ),
        churned_user_ids=list(ids[churned]),
        churn_window_start=iso_utc(plan.churn_cutoff),
        buggy_app_version=cat.BUGGY_APP_VERSION,
        crashes=CrashTruth(
            buggy_app_version=cat.BUGGY_APP_VERSION, hazard_per_action=CRASH_HAZARD,
            buggy_hazard_per_action=BUGGY_CRASH_HAZARD,
            doubles_after_actions=CRASH_GROWTH_ACTIONS,
        ),
        outage=OutageTruth(
            start=iso_utc(plan.outage_start), end=iso_utc(plan.outage_end),
            os=cat.OUTAGE_OS, app_version=outage_version, drop_fraction=OUTAGE_DROP,
        ),
        campaign=CampaignTruth(
            date=plan.day_start(plan.campaign_day).date().isoformat(), source="ads",
            user_ids=list(ids[pop.is_campaign]),
        ),
        experiment=ExperimentTruth(
            salt=plan.experiment_salt, groups=list(EXPERIMENT_GROUPS),
            weights=list(EXPERIMENT_WEIGHTS), treatment=TREATMENT_GROUP,
            control=CONTROL_GROUP, aa_groups=list(AA_GROUPS), metric="ctr",
            true_effect=TRUE_EFFECT, start=iso_utc(plan.experiment_start),
            end=iso_utc(plan.experiment_end),
        ),
        data=DataInfo(
            start=iso_utc(plan.start), end=iso_utc(plan.end), users=plan.users,
            events=sink.rows, seed=plan.seed, events_file=sink.path.name,
        ),
        notes={
            "ctr": "likes / views; experiment groups: assign_group(user_id, salt, weights) + 1",
            "seasonality": "evening peak ~17-19 UTC, weekends ~15% busier than weekdays",
            "churn": "users with events before churn_window_start and none after it",
            "campaign": "ads sign-ups on campaign.date; mean lifetime ~2.5 days",
        },
    )
