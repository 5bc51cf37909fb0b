"""One formula evaluator (insights._formula) for trends and monitors."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from applens.errors import QueryError
from applens.insights._formula import evaluate, evaluate_columns

SRC = Path(__file__).resolve().parents[3] / "src"


def test_columns_follow_arithmetic_and_give_nan_for_missing_or_division_by_zero():
    a = pd.Series([10.0, 4.0, np.nan, 3.0, 0.0])
    b = pd.Series([2.0, 0.0, 1.0, -1.5, 0.0])
    got = evaluate_columns("(A + B) / B * 100 - -A", {"A": a, "B": b})
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = ((a + b) / b.where(b != 0) * 100 + a).to_numpy()
    np.testing.assert_allclose(got, expected, equal_nan=True)
    assert np.isnan(got[[1, 2, 4]]).all()


def test_a_constant_formula_fills_every_row():
    np.testing.assert_array_equal(evaluate_columns("2 * 3", {"A": [1.0, 2.0]}), [6.0, 6.0])


def test_per_period_lists_give_none_where_the_columns_give_nan():
    series = {"A": [10, 4, None, 3], "B": [2, 0, 1, 4]}
    assert evaluate("A / B", series) == [5.0, None, None, 0.75]
    columns = evaluate_columns("A / B", series)
    assert [None if math.isnan(v) else v for v in columns] == evaluate("A / B", series)


def test_only_arithmetic_is_accepted():
    with pytest.raises(QueryError, match="unknown series 'C'"):
        evaluate_columns("A / C", {"A": [1.0]})
    with pytest.raises(QueryError, match="may only use"):
        evaluate_columns("A ** 2", {"A": [1.0]})


def test_no_other_module_parses_formulas():
    parsers = []
    for path in SRC.rglob("*.py"):
        if path.name == "_formula.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "parse" and any(
                        k.arg == "mode" and getattr(k.value, "value", None) == "eval"
                        for k in node.keywords)):
                parsers.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert parsers == []
