"""Row filters and property expressions written in SQL: ``Quantity > 0``, ``Quantity * Price``.

One small SQL grammar, parsed with sqlglot and translated to Ibis (so it runs on every
engine and can never be more than an expression over one table's columns):

- column names (double-quote reserved words or odd names: ``"group" = 'control'``);
- numbers, 'text', TRUE/FALSE, NULL;
- ``+ - * /``, brackets, ``= <> != < <= > >=``, ``AND OR NOT``, ``IS [NOT] NULL``,
  ``[NOT] IN ('a', 'b')``, ``[NOT] LIKE``/``ILIKE``, ``BETWEEN``.

``where`` filters (``--where`` of the shortcut commands, ``where`` of an insight spec or an
experiment) are boolean expressions; property metrics (``sum:Quantity*Price``) are numeric
ones. Mistakes are one-line :class:`QueryError` s naming the bad column with a did-you-mean.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import sqlglot
from sqlglot import exp

from applens.errors import QueryError, did_you_mean

__all__ = ["checked_where", "columns_of", "filter_rows", "value_expr"]

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    exp.EQ: operator.eq, exp.NEQ: operator.ne, exp.GT: operator.gt, exp.GTE: operator.ge,
    exp.LT: operator.lt, exp.LTE: operator.le, exp.Add: operator.add, exp.Sub: operator.sub,
    exp.Mul: operator.mul, exp.Div: operator.truediv, exp.And: operator.and_,
    exp.Or: operator.or_,
}
_HELP = ("use column names, numbers, 'text', + - * /, comparisons, AND/OR/NOT, IS NULL, "
         "IN (...), LIKE and BETWEEN")


def _parse(text: str, field: str) -> exp.Expression:
    try:
        tree = sqlglot.parse_one(text, dialect="duckdb")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        tree = None
    if tree is None or not text.strip():
        raise QueryError(f"{field} {text!r} is not an SQL expression; {_HELP} "
                         "(quote text with single quotes).")
    return tree


def columns_of(text: str, field: str = "where") -> list[str]:
    """The column names an expression reads (to select them before applying it)."""
    return sorted({col.name for col in _parse(text, field).find_all(exp.Column)})


def checked_where(value: str | None) -> str | None:
    """A pydantic validator's body for a ``where`` field: the condition parses as SQL (its
    columns are checked when it runs against a table), else a ValueError for pydantic."""
    if value is not None:
        try:
            columns_of(value, "where")
        except QueryError as exc:
            raise ValueError(str(exc).rstrip(".")) from None
    return value


def _resolve(name: str, table: ir.Table, text: str, field: str) -> str:
    visible = [c for c in table.columns if not c.startswith("_")]
    if name in table.columns:
        return name
    folded = [c for c in visible if c.lower() == name.lower()]
    if len(folded) == 1:  # SQL names are case-insensitive unless quoted
        return folded[0]
    raise QueryError(f"{field} {text!r}: there is no column {name!r}.{did_you_mean(name, visible)}"
                     f" Columns: {', '.join(visible)}. Quote text values with single quotes.")


def _literal(node: exp.Literal) -> Any:
    if node.is_string:
        return node.this
    number = float(node.this)
    return int(number) if number.is_integer() and "." not in node.this else number


def _translate(node: exp.Expression, table: ir.Table, text: str, field: str) -> Any:
    def go(child: exp.Expression) -> Any:
        return _translate(child, table, text, field)

    if isinstance(node, exp.Paren):
        return go(node.this)
    if isinstance(node, exp.Column) and not node.table:
        return table[_resolve(node.name, table, text, field)]
    if isinstance(node, exp.Literal):
        return ibis.literal(_literal(node))
    if isinstance(node, exp.Boolean):
        return ibis.literal(bool(node.this))
    if isinstance(node, exp.Null):
        return ibis.null()
    if isinstance(node, exp.Neg):
        return -go(node.this)
    if isinstance(node, exp.Not):
        return ~go(node.this)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return go(node.this).isnull()
    if type(node) in _BINARY:
        left, right = go(node.this), go(node.expression)
        if isinstance(node, exp.Div):
            left = left.cast("float64")
        return _BINARY[type(node)](left, right)
    if isinstance(node, exp.In) and node.expressions:
        return go(node.this).isin([go(item) for item in node.expressions])
    if isinstance(node, (exp.Like, exp.ILike)):
        value, pattern = go(node.this).cast("string"), go(node.expression)
        if isinstance(node, exp.ILike):
            return value.lower().like(pattern.lower())
        return value.like(pattern)
    if isinstance(node, exp.Between):
        return go(node.this).between(go(node.args["low"]), go(node.args["high"]))
    raise QueryError(f"{field} {text!r}: {node.sql('duckdb')!r} is not supported; {_HELP}.")


def value_expr(table: ir.Table, text: str, field: str = "expression") -> ir.Value:
    """The expression over ``table``'s columns as an Ibis value."""
    value = _translate(_parse(text, field), table, text, field)
    if not isinstance(value, ir.Value):
        raise QueryError(f"{field} {text!r} reads no column; {_HELP}.")
    return value


def filter_rows(table: ir.Table, where: str | None, field: str = "where") -> ir.Table:
    """The rows of ``table`` where the boolean expression ``where`` is true (null is false)."""
    if where is None or not where.strip():
        return table
    condition = value_expr(table, where, field)
    if not condition.type().is_boolean():
        raise QueryError(f"{field} {where!r} is {condition.type()}, not a condition; compare "
                         f"it with something, e.g. {where.strip()} > 0.")
    return table.filter(condition.fill_null(False))
