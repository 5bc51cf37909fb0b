"""Numbers people can read: one place for how every output shows counts, rates, effects,
p-values, confidence intervals, durations and table cells.

The CLI tables, the report (Jinja filters), the dashboard and the digest all use these, so
the same number reads the same everywhere. Machine outputs (JSON, CSV) keep raw values.

- counts: thousands separators (``1,093,227``);
- other numbers: 3 significant digits, never scientific above 1e-6 (``0.0786``, ``20``,
  ``4,540``; a number of 1,000 or more is shown whole);
- rates as percentages (``12.0%``), differences of rates in percentage points (``+1.2 pp``);
- effects and lifts signed (``+0.0436``, ``-1.3%``);
- p-values with 3 significant digits, ``< 0.0001`` below 0.0001;
- missing values (None, NaN, NA, NaT) as ``n/a`` (``""`` in table cells).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MISSING", "cell", "ci", "compact", "count", "duration", "effect", "frame_cells", "is_missing",
    "TEMPLATE_FILTERS", "lift", "number", "p_equals", "p_value", "percent", "pp",
]

MISSING = "n/a"
P_FLOOR = 1e-4
_P_COLUMNS = {"p", "p_value", "pvalue", "p_adjusted", "p_adj", "srm_p_value", "srm_p"}
_ID_SUFFIXES = ("id", "line", "rank", "year", "seed")  # "id" covers "_id"


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA or NaT (any flavour)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False


def _strip(text: str) -> str:
    """``20.0`` -> ``20``, ``0.1000`` -> ``0.1`` (not in exponents)."""
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0") else text


def _sig(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if exponent < -6:
        return f"{value:.{digits - 1}e}"
    decimals = max(0, digits - 1 - exponent)
    return _strip(f"{value:,.{decimals}f}")


def _float(value: Any) -> float | None:
    if is_missing(value):
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else None


def _infinite(value: Any) -> str | None:
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        return None
    if math.isinf(number_):
        return "∞" if number_ > 0 else "-∞"
    return None


def count(value: Any) -> str:
    """A whole number with thousands separators: ``1,093,227``."""
    number_ = _float(value)
    if number_ is None:
        return _infinite(value) or MISSING
    return f"{round(number_):,}"


def compact(value: Any) -> str:
    """A short label for an axis tick: ``950``, ``1k``, ``2.5k``, ``20k``, ``1M``, ``3G``."""
    number_ = _float(value)
    if number_ is None:
        return _infinite(value) or MISSING
    for power, suffix in ((9, "G"), (6, "M"), (3, "k")):
        if abs(number_) >= 10 ** power:
            return _sig(number_ / 10 ** power) + suffix
    return _sig(number_)


def number(value: Any, digits: int = 3) -> str:
    """Any number with ``digits`` significant digits (whole above 1,000): ``0.0786``."""
    number_ = _float(value)
    if number_ is None:
        return _infinite(value) or MISSING
    if number_ == round(number_) and abs(number_) < 1e15:
        return f"{round(number_):,}"
    if abs(number_) >= 10 ** (digits + 1):
        return f"{round(number_):,}"
    return _sig(number_, digits)


def percent(value: Any, digits: int = 1, *, signed: bool = False) -> str:
    """A share (0.1204) as a percentage (``12.0%``); small shares keep 2 significant
    digits (``0.043%``) instead of rounding to ``0.0%``."""
    number_ = _float(value)
    if number_ is None:
        return MISSING
    hundred = number_ * 100
    sign = "+" if signed and hundred > 0 else ""
    if hundred != 0 and abs(hundred) < 10 ** -digits:
        return f"{sign}{_sig(hundred, 2)}%"
    return f"{sign}{hundred:,.{digits}f}%"


def pp(value: Any, digits: int = 1) -> str:
    """A difference of two rates in percentage points, signed: ``+1.2 pp``."""
    number_ = _float(value)
    if number_ is None:
        return MISSING
    text = f"{number_ * 100:+.{digits}f}"
    return f"{text if float(text) else f'{0:.{digits}f}'} pp"  # never "-0.0 pp"


def effect(value: Any, digits: int = 3) -> str:
    """A difference, signed, ``digits`` significant digits: ``+0.0436``."""
    number_ = _float(value)
    if number_ is None:
        return MISSING
    text = number(number_, digits)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def lift(value: Any, digits: int = 1) -> str:
    """A relative change, signed percentage: ``-1.3%``."""
    return percent(value, digits, signed=True)


def p_value(value: Any) -> str:
    """3 significant digits; ``< 0.0001`` below that (never scientific)."""
    number_ = _float(value)
    if number_ is None:
        return MISSING
    if number_ < P_FLOOR:
        return f"< {P_FLOOR:.4f}"
    return _sig(min(number_, 1.0), 3)


def p_equals(value: Any) -> str:
    """A p-value in a sentence: ``p=0.0086`` or ``p<0.0001``."""
    text = p_value(value)
    return f"p{text.replace(' ', '')}" if text.startswith("<") else f"p={text}"


def ci(low: Any, high: Any, fmt: Callable[[Any], str] = effect) -> str:
    """A confidence interval: ``[-0.0133, -0.00312]``."""
    if _float(low) is None or _float(high) is None:
        return MISSING
    return f"[{fmt(low)}, {fmt(high)}]"


def duration(seconds: Any) -> str:
    """Seconds as ``0.4 s``, ``45 s``, ``12.5 min``, ``3.2 h`` or ``2.1 d``."""
    if isinstance(seconds, (dt.timedelta, np.timedelta64)):
        seconds = pd.Timedelta(seconds).total_seconds()
    number_ = _float(seconds)
    if number_ is None:
        return MISSING
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(number_) >= size:
            return f"{_sig(number_ / size, 3)} {unit}"
    return f"{_sig(number_, 2)} s"


def _timestamp(value: Any) -> str:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None and stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    text = stamp.strftime("%Y-%m-%d %H:%M:%S" if stamp.second else "%Y-%m-%d %H:%M")
    return text if stamp.tzinfo is None else f"{text} {stamp.strftime('%Z') or ''}".rstrip()


def _is_id(column: str) -> bool:
    name = column.lower()
    return name.endswith(_ID_SUFFIXES)


def cell(value: Any, column: str = "") -> str:
    """A table cell, by its value and its column's name: counts grouped, ids as written,
    p-values as ``p_value``, other numbers 3 significant digits, dates ISO, missing empty."""
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (dt.datetime, np.datetime64)):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dt.timedelta, np.timedelta64)):
        return duration(value)
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        name = str(column).lower()
        if _is_id(name) and float(value) == round(float(value)):
            return str(round(float(value)))
        if name in _P_COLUMNS:
            return p_value(value)
        return number(value)
    return str(value)


def frame_cells(frame: pd.DataFrame) -> list[list[str]]:
    """Every row of ``frame`` as formatted cells (see ``cell``)."""
    columns = [str(c) for c in frame.columns]
    return [[cell(v, c) for c, v in zip(columns, row, strict=True)]
            for row in frame.itertuples(index=False, name=None)]


# The formats above as Jinja template filters, for the report and the dashboard alike.
TEMPLATE_FILTERS = {"cell": cell, "cells": frame_cells, "count": count, "number": number,
                    "percent": percent, "p_value": p_value, "effect": effect}


def metric_value(value: Any, unit: str = "") -> str:
    """A monitored metric's value as its unit reads (``MonitorConfig.unit``): a share
    (``"share"``: the negative share of tickets) as a percentage, anything else a number.
    Alert lines, the report and the dashboard all print alert values through this."""
    return percent(value) if unit == "share" else number(value)
