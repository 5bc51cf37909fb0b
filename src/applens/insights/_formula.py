"""Safe arithmetic over series: ``"A / B"``, ``"(A + B) / C * 100"``; property metrics.

Formulas are evaluated on the small aggregated numbers (never on events), per period for
trends and per slice for monitors, by one evaluator (``evaluate_columns``). Division by zero
and missing values give NaN there and ``None`` (JSON null) from ``evaluate``, not an error.

Property metrics — one grammar for experiments, trends and monitors — are ``AGG:EXPR``:
``EXPR`` is an event property or arithmetic over properties (``converted``,
``Quantity * Price``; see :mod:`applens.insights._where`) and ``AGG`` says what one user (or
one period) gets from their events: ``sum`` (Σ EXPR), ``mean`` (mean of EXPR over the events
that have it) or ``share`` (share of those events where EXPR is true / non-zero).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis.expr.types as ir
import numpy as np

from applens.errors import QueryError, did_you_mean
from applens.insights._where import columns_of, value_expr

__all__ = ["PROPERTY_AGGS", "PropertyMetric", "evaluate", "evaluate_columns",
           "parse_property_metric",
           "property_columns", "property_value", "validate"]

PropertyAgg = Literal["sum", "mean", "share"]
PROPERTY_AGGS: tuple[PropertyAgg, ...] = ("sum", "mean", "share")


@dataclass(frozen=True)
class PropertyMetric:
    """``AGG:EXPR`` (see the module docstring)."""

    agg: PropertyAgg
    expression: str

    @property
    def is_bare(self) -> bool:
        """The expression is one name (``sum:NAME`` may also mean an event, see experiments)."""
        return self.expression.isidentifier()

    def value(self, table: ir.Table, field: str = "metric") -> ir.FloatingValue:
        """EXPR per row: a number, or 1.0/0.0 for ``share`` (null where EXPR is null)."""
        value = property_value(table, self.expression, f"{field} '{self.agg}:{self.expression}'")
        return (value != 0).cast("float64") if self.agg == "share" else value

    def aggregate(self, value: ir.FloatingValue) -> ir.FloatingScalar:
        """The per-group aggregate of :meth:`value` (sum ignores nulls; an empty sum is 0)."""
        if self.agg == "sum":
            return value.sum().fill_null(0.0)
        return value.mean()


def property_value(table: ir.Table, expression: str,
                   field: str = "math_property") -> ir.FloatingValue:
    """A property or arithmetic over properties per row as float64 (true/false as 1/0)."""
    value = value_expr(table, expression, field)
    dtype = value.type()
    if not (dtype.is_numeric() or dtype.is_boolean()):
        raise QueryError(f"{field}: {expression} is {dtype}, not a number or true/false.")
    return value.cast("float64")


def property_columns(table: ir.Table, expression: str, field: str = "math_property") -> list[str]:
    """The columns of ``table`` that ``expression`` reads (checked: a bad name is an error)."""
    property_value(table, expression, field)
    lower = {c.lower(): c for c in table.columns}
    return [lower.get(c.lower(), c) for c in columns_of(expression, field)]


def parse_property_metric(text: str) -> PropertyMetric:
    """``"mean:converted"``, ``"sum:Quantity*Price"`` → :class:`PropertyMetric`."""
    agg, colon, expression = text.partition(":")
    agg, expression = agg.strip(), expression.strip()
    if not colon or agg not in PROPERTY_AGGS:
        raise QueryError(f"{text!r} is not a property metric: write AGG:PROPERTY with AGG one of "
                         f"{', '.join(PROPERTY_AGGS)}, e.g. mean:converted or "
                         f"sum:Quantity*Price.{did_you_mean(agg, PROPERTY_AGGS)}")
    if not expression:
        raise QueryError(f"{text!r}: give a property or an expression after {agg}:.")
    return PropertyMetric(agg, expression)  # type: ignore[arg-type]

_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def validate(formula: str, names: Sequence[str]) -> ast.expr:
    """Parse ``formula``; only series letters, numbers, + - * / and brackets are allowed."""
    try:
        tree = ast.parse(formula, mode="eval").body
    except SyntaxError:
        raise QueryError(f"Spec field 'formula': cannot parse {formula!r}.") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in names:
            raise QueryError(
                f"Spec field 'formula': unknown series '{node.id}'; "
                f"this spec has {', '.join(names)}."
            )
        allowed = (ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant,
                   *_OPS)
        if not isinstance(node, allowed) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))
        ):
            raise QueryError(
                f"Spec field 'formula': {formula!r} may only use series letters, numbers, "
                "+ - * / and brackets."
            )
    return tree


def _eval(node: ast.expr, env: Mapping[str, np.ndarray]) -> np.ndarray | float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _eval(node.operand, env)
        return -inner if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.BinOp)
    left, right = _eval(node.left, env), _eval(node.right, env)
    if isinstance(node.op, ast.Div):
        right = np.where(np.equal(right, 0), np.nan, right)
    return _OPS[type(node.op)](left, right)


def evaluate_columns(formula: str, columns: Mapping[str, Any]) -> np.ndarray:
    """The formula on whole, equally long columns named ``A``, ``B``… (lists, arrays or
    Series); a missing value (None, NaN) or a division by zero gives NaN."""
    tree = validate(formula, list(columns))
    env = {name: np.asarray(values, dtype=float) for name, values in columns.items()}
    length = len(next(iter(env.values()), []))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _eval(tree, env)
    return np.broadcast_to(np.asarray(result, dtype=float), (length,)).copy()


def evaluate(formula: str, series: Mapping[str, Sequence[Any]]) -> list[float | None]:
    """The formula per period, given equally long value lists named ``A``, ``B``…; None
    where a value is missing or a division is by zero."""
    return [None if np.isnan(v) else float(v) for v in evaluate_columns(formula, series)]
