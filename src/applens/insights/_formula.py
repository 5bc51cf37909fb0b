"""Safe arithmetic over series: ``"A / B"``, ``"(A + B) / C * 100"``.

Evaluated per period on the small aggregated numbers (never on events). Division by zero
and missing values give ``None`` (JSON null), not an error.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from applens.errors import QueryError

__all__ = ["evaluate", "validate"]

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


def _eval(node: ast.expr, env: Mapping[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        value = env[node.id]
        return None if value is None else float(value)
    if isinstance(node, ast.UnaryOp):
        inner = _eval(node.operand, env)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    assert isinstance(node, ast.BinOp)
    left, right = _eval(node.left, env), _eval(node.right, env)
    if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
        return None
    return _OPS[type(node.op)](left, right)


def evaluate(formula: str, series: Mapping[str, Sequence[Any]]) -> list[float | None]:
    """The formula per period, given equally long value lists named ``A``, ``B``…"""
    tree = validate(formula, list(series))
    length = len(next(iter(series.values()), []))
    return [_eval(tree, {k: v[i] for k, v in series.items()}) for i in range(length)]
