"""Deterministic, salted-hash assignment of users to experiment groups.

The hash is documented so that any system can reproduce it:

    bucket = int(md5(f"{salt}:{user_id}").hexdigest()[:8], 16) % 10_000

Group ``i`` owns the buckets ``[cum_weight[i-1] * 10_000, cum_weight[i] * 10_000)``, where
weights are normalised to sum to 1. The same (user_id, salt, weights) always gives the same
group, in Python, in SQL and in the CLI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from applens.errors import InvalidParameterError

__all__ = ["N_BUCKETS", "assign_group", "bucket_of", "bucket_bounds"]

N_BUCKETS = 10_000


def bucket_of(user_id: object, salt: str) -> int:
    """The bucket (0..N_BUCKETS-1) of a user under a salt."""
    digest = hashlib.md5(f"{salt}:{user_id}".encode()).hexdigest()
    return int(digest[:8], 16) % N_BUCKETS


def bucket_bounds(weights: Sequence[float]) -> list[int]:
    """Upper bucket bound of each group (exclusive); the last one is N_BUCKETS."""
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise InvalidParameterError(
            f"Weights must be non-negative and sum to more than 0. Got {list(weights)} instead."
        )
    total = float(sum(weights))
    bounds, cumulative = [], 0.0
    for weight in weights:
        cumulative += weight / total
        bounds.append(round(cumulative * N_BUCKETS))
    bounds[-1] = N_BUCKETS
    return bounds


def assign_group(user_id: object, salt: str, weights: Sequence[float] = (0.5, 0.5)) -> int:
    """Index of the group (0-based) that ``user_id`` falls into."""
    bucket = bucket_of(user_id, salt)
    for index, bound in enumerate(bucket_bounds(weights)):
        if bucket < bound:
            return index
    raise AssertionError("unreachable: the last bound is N_BUCKETS")
