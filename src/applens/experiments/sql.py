"""The assignment hash as an Ibis expression, so groups can be computed in the warehouse.

Reproduces :func:`applens.experiments.assignment.bucket_of` exactly:
``int(md5(f"{salt}:{user_id}").hexdigest()[:8], 16) % 10_000``. The hex-to-integer step is
spelled with portable string functions (position of each hex digit in "0123456789abcdef")
because engines disagree on hex parsing. ``user_id`` is cast to string first, so integer
ids hash like ``str(int)`` in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from applens.errors import InvalidParameterError
from applens.experiments.assignment import N_BUCKETS, bucket_bounds

__all__ = ["assign_group_expr", "bucket_expr"]

_HEX = "0123456789abcdef"


def bucket_expr(user_id: ir.Value, salt: str) -> ir.IntegerValue:
    """Bucket (0..N_BUCKETS-1) of each ``user_id`` under ``salt``."""
    digest = (ibis.literal(f"{salt}:") + user_id.cast("string")).hexdigest("md5").lower()
    value: ir.IntegerValue = ibis.literal(0, type="int64")
    for position in range(8):
        digit = ibis.literal(_HEX).find(digest.substr(position, 1)).cast("int64")
        value = value * 16 + digit
    return value % N_BUCKETS


def assign_group_expr(
    user_id: ir.Value,
    salt: str,
    weights: Sequence[float] = (0.5, 0.5),
    names: Sequence[str] | None = None,
) -> ir.Value:
    """Group of each ``user_id``: its 0-based index, or its name when ``names`` is given."""
    bounds = bucket_bounds(weights)
    if names is not None and len(names) != len(bounds):
        raise InvalidParameterError(
            f"Got {len(names)} group names for {len(bounds)} weights; give one name per weight."
        )
    bucket = bucket_expr(user_id, salt)
    labels = list(names) if names is not None else list(range(len(bounds)))
    case = ibis.cases(*[(bucket < bound, label)
                        for bound, label in zip(bounds, labels, strict=True)])
    return case
