"""The demo's schedule: where every planted effect sits in time, derived from the size.

Every effect is placed relative to the data range so that any ``days >= MIN_DAYS`` gets all
of them: the campaign in the first third (after the first week), the A/B test in the
middle, the outage late, and a full churn window of ``CHURN_WINDOW_DAYS`` at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from applens.errors import InvalidParameterError

__all__ = [
    "AA_GROUPS",
    "CHURN_WINDOW_DAYS",
    "CONTROL_GROUP",
    "DEFAULT_END_DATE",
    "MIN_DAYS",
    "MIN_USERS",
    "EXPERIMENT_GROUPS",
    "OUTAGE_DROP",
    "OUTAGE_START_HOUR",
    "TREATMENT_GROUP",
    "TRUE_EFFECT",
    "DemoPlan",
    "make_plan",
]

DEFAULT_END_DATE = dt.date(2026, 11, 1)
CHURN_WINDOW_DAYS = 14
MIN_DAYS = 21
MIN_USERS = 200


@dataclass(frozen=True)
class DemoPlan:
    """Sizes and the time of every planted effect (day indexes count from ``start``)."""

    users: int
    days: int
    seed: int
    start: dt.datetime  # first instant of the data (naive UTC midnight)
    end: dt.datetime  # exclusive
    campaign_day: int
    outage_start: dt.datetime
    outage_end: dt.datetime
    experiment_start: dt.datetime
    experiment_end: dt.datetime  # exclusive
    experiment_salt: str
    chunk_users: int

    def day_start(self, day: int) -> dt.datetime:
        return self.start + dt.timedelta(days=day)

    @property
    def churn_cutoff(self) -> dt.datetime:
        return self.end - dt.timedelta(days=CHURN_WINDOW_DAYS)


def make_plan(
    *, users: int, days: int, seed: int, end_date: dt.date, chunk_users: int
) -> DemoPlan:
    """Validate the sizes and lay the effects out over ``[end_date - days, end_date)``."""
    _check_int("users", users, MIN_USERS)
    _check_int("days", days, MIN_DAYS)
    _check_int("chunk_users", chunk_users, 1)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InvalidParameterError(
            f"The 'seed' must be a non-negative int. Got {seed!r} instead."
        )
    if isinstance(end_date, dt.datetime) or not isinstance(end_date, dt.date):
        raise InvalidParameterError(
            f"The 'end_date' must be a datetime.date (the data ends just before its midnight, "
            f"UTC). Got {end_date!r} instead."
        )
    end = dt.datetime.combine(end_date, dt.time())
    start = end - dt.timedelta(days=days)
    # The A/B test runs for a week ending where the churn window begins, like the seed's
    # "A/A a week, then A/B a week" cadence; the outage is a 3-hour evening hole later on.
    exp_end_day = days - CHURN_WINDOW_DAYS
    exp_start_day = exp_end_day - 7
    outage_day = days - CHURN_WINDOW_DAYS // 2 - 2
    outage_start = start + dt.timedelta(days=outage_day, hours=OUTAGE_START_HOUR)
    return DemoPlan(
        users=users,
        days=days,
        seed=seed,
        start=start,
        end=end,
        # After a full week of history: the monitor judges nothing before it has seen one.
        campaign_day=max(8, days // 3 - 3),
        outage_start=outage_start,
        outage_end=outage_start + dt.timedelta(hours=3),
        experiment_start=start + dt.timedelta(days=exp_start_day),
        experiment_end=start + dt.timedelta(days=exp_end_day),
        experiment_salt=f"feed-ranking-{seed}",
        chunk_users=chunk_users,
    )


def _check_int(name: str, value: object, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidParameterError(
            f"The '{name}' parameter must be an int of at least {minimum}. Got {value!r} instead."
        )


# The A/B test on the feed's ranking: groups 1..4 by salted hash, equal weights.
EXPERIMENT_GROUPS = (1, 2, 3, 4)
CONTROL_GROUP = 1
TREATMENT_GROUP = 4
AA_GROUPS = (2, 3)
# Absolute rise of the like probability per view in the treatment group while the test
# runs (human users; a like probability of ~0.20 becomes ~0.23).
TRUE_EFFECT = 0.03
# Share of the outage slice's events that never arrive during the outage.
OUTAGE_DROP = 0.9
# The outage starts at the evening peak (17:00 UTC, 20:00 in Moscow), when its slice has the
# most people per 15 minutes; at 13:00 a 3000-user demo's slice had too few to judge.
OUTAGE_START_HOUR = 17
