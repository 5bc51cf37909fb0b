"""Property filters and breakdowns as Ibis expressions.

Event properties are the columns of ``events``; person properties the columns of
``users`` (joined on ``user_id`` and prefixed ``_person_`` so names never clash).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ibis

from applens.errors import QueryError, did_you_mean
from applens.insights._labels import NONE_LABEL, OTHER_LABEL

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from applens.insights.spec import Breakdown, PropertyFilter

__all__ = [
    "NONE_LABEL",
    "OTHER_LABEL",
    "attach_person",
    "breakdown_value",
    "check_property",
    "fold_other",
    "person_column",
    "predicate",
    "top_values",
]

_PREFIX = "_person_"


def person_column(key: str) -> str:
    return _PREFIX + key


def _properties(table: ir.Table | None) -> list[str]:
    return [] if table is None else [c for c in table.columns if not c.startswith("_")]


def check_property(
    events: ir.Table, users: ir.Table | None, key: str, kind: str, field: str
) -> None:
    """A clear error when a filter or breakdown names a property that does not exist."""
    if kind == "person":
        if users is None:
            raise QueryError(
                f"Spec field '{field}': person property '{key}' needs a users table; "
                "ingest one with 'applens ingest FILE --table users'."
            )
        names = [c for c in _properties(users) if c != "user_id"]
    else:
        names = _properties(events)
    if key not in names:
        raise QueryError(
            f"Spec field '{field}': there is no {kind} property '{key}'."
            f"{did_you_mean(key, names)} Known: {', '.join(sorted(names))}."
        )


def attach_person(events: ir.Table, users: ir.Table | None, keys: Iterable[str]) -> ir.Table:
    """Left-join the named person properties onto the events (prefixed ``_person_``)."""
    wanted = sorted(set(keys))
    if not wanted or users is None:
        return events
    people = users.select(_pid=users.user_id, **{person_column(k): users[k] for k in wanted})
    joined = events.left_join(people, events.user_id == people._pid)
    return joined.drop("_pid")


def _column(table: ir.Table, f: PropertyFilter | Breakdown, key: str) -> ir.Column:
    return table[person_column(key) if f.type == "person" else key]


def _coerce(values: Sequence[Any], column: ir.Column) -> list[Any]:
    dtype = column.type()
    try:
        if dtype.is_numeric():
            return [float(v) for v in values]
        if dtype.is_boolean():
            return [v if isinstance(v, bool) else str(v).lower() in ("true", "1") for v in values]
    except (TypeError, ValueError):
        raise QueryError(f"Property filter values {list(values)!r} are not numbers.") from None
    if dtype.is_string():
        return [str(v) for v in values]
    return list(values)


def predicate(table: ir.Table, f: PropertyFilter) -> ir.BooleanValue:
    """The filter as a boolean expression over ``table`` (nulls never match, except is_not)."""
    col = _column(table, f, f.key)
    op = f.operator
    if op == "is_set":
        return col.notnull()
    if op == "is_not_set":
        return col.isnull()
    if op in ("gt", "lt"):
        number = col.cast("float64")
        bound = float(f.value)
        return (number > bound) if op == "gt" else (number < bound)
    if op == "icontains":
        return col.cast("string").lower().contains(str(f.value).lower())
    values = _coerce(f.values(), col)
    hit = col.isin(values)
    return hit if op == "exact" else (col.isnull() | ~hit)


def breakdown_value(table: ir.Table, breakdown: Breakdown) -> ir.StringValue:
    """The breakdown as a string label; null and empty become ``(none)``."""
    column = _column(table, breakdown, breakdown.property)
    if breakdown.bins:
        return _binned(column.cast("float64"), breakdown.bins)
    text = column.cast("string")
    return ibis.ifelse(text.isnull() | (text == ""), ibis.literal(NONE_LABEL), text)


def _binned(value: ir.FloatingValue, edges: Sequence[int]) -> ir.StringValue:
    """``<e0``, ``e0-(e1-1)``, …, ``eN+`` (integer edges); null stays ``(none)``."""
    cases = [(value < edges[0], ibis.literal(f"<{edges[0]}"))]
    cases += [(value < hi, ibis.literal(f"{lo}-{hi - 1}"))
              for lo, hi in zip(edges, edges[1:], strict=False)]
    cases.append((value.notnull(), ibis.literal(f"{edges[-1]}+")))
    return ibis.cases(*cases, else_=ibis.literal(NONE_LABEL))


def top_values(
    table: ir.Table, column: str, weight: ir.Scalar | None, limit: int
) -> tuple[list[str], bool]:
    """The ``limit`` biggest breakdown values by ``weight`` (default distinct users), and
    whether any value was left out (then the rest is folded into ``Other``)."""
    metric = weight if weight is not None else table.user_id.nunique()
    ranked = (
        table.group_by(column)
        .agg(_w=metric)
        .order_by([ibis.desc("_w"), ibis.asc(column)])
        .limit(limit + 1)
    )
    values = [str(v) for v in ranked.to_pandas()[column].tolist()]
    return values[:limit], len(values) > limit


def fold_other(column: ir.StringValue, top: Sequence[str]) -> ir.StringValue:
    """Values outside ``top`` become ``Other``."""
    return ibis.ifelse(column.isin(list(top)), column, ibis.literal(OTHER_LABEL))
