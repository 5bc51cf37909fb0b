"""Strict JSON for every output: the CLI's ``--format json``, ``report.json`` and the web API.

``to_jsonable`` turns results, frames and scalars into plain JSON types; ``dumps`` writes
them with ``allow_nan=False``, so the text is always valid JSON (RFC 8259):

- NaN, infinities, ``None``, ``pd.NA`` and ``NaT`` become ``null``;
- dates and times (``datetime``, ``date``, ``time``, ``pd.Timestamp``, ``datetime64``, naive or
  tz-aware) become ISO 8601 strings; durations (``timedelta``, ``timedelta64``) ISO 8601
  durations (``P1DT2H0M0S``);
- numpy and pandas scalars become Python numbers and booleans; ``Decimal`` a number;
- sets become sorted lists; frames lists of records; series and arrays lists;
- results with ``to_dict()``, dataclasses, enums and paths their plain form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from applens.formatting import is_missing

__all__ = ["dumps", "frame_records", "to_jsonable"]


def _duration(value: Any) -> str:
    return pd.Timedelta(value).isoformat()


def _number(value: float) -> float | int | None:
    if math.isfinite(value):
        return value
    return None


def _decimal(value: Decimal) -> float | int | None:
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and abs(value) < 2**63:
        return int(value)
    return float(value)


def _sorted(items: Any) -> list[Any]:
    values = [to_jsonable(v) for v in items]
    try:
        return sorted(values)
    except TypeError:  # mixed types: a stable order all the same
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _key(value: Any) -> str:
    converted = to_jsonable(value)
    return converted if isinstance(converted, str) else json.dumps(converted)


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts (column names as strings)."""
    columns = [_key(c) for c in frame.columns]
    return [{c: to_jsonable(v) for c, v in zip(columns, row, strict=True)}
            for row in frame.itertuples(index=False, name=None)]


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (dict, list, str, int, float, bool, None)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int) and not isinstance(value, Enum):
        return value
    if isinstance(value, float):
        return _number(value)
    if is_missing(value):
        return None
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64,
                                                                 np.timedelta64)):
        return to_jsonable(value.item())
    if isinstance(value, (dt.timedelta, np.timedelta64)):  # pd.Timedelta included
        return _duration(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):  # pd.Timestamp included
        return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, pd.DataFrame):
        return frame_records(value)
    if isinstance(value, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {_key(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return _sorted(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable({f.name: getattr(value, f.name)
                            for f in dataclasses.fields(value)})
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)  # paths, UUIDs, periods, intervals, complex numbers: their text


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (see the module docstring); non-ASCII kept as is."""
    return json.dumps(to_jsonable(value), indent=indent, ensure_ascii=False, allow_nan=False)
