"""What every chart module shares: turning an insight Result or a DataFrame into a tidy
frame, checking columns, and the house colours and sizes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd

from applens import formatting
from applens.errors import InvalidParameterError

__all__ = ["HEIGHT", "LABEL_LIMIT", "WIDTH", "frame_of", "log_axis", "log_ticks", "needs",
           "period_axis", "to_dates"]

WIDTH = 560
HEIGHT = 240
LABEL_LIMIT = 360  # pixels of an axis or legend label before Vega cuts it with "…"


def log_ticks(largest: float) -> list[float]:
    """Ticks 0, 1, 2, 5, 10, 20, 50 … up to ``largest``: on a log (symlog) axis Vega's own
    ticks crowd together (100 120 160 200 240 300) and their labels overlap."""
    ticks: list[float] = [0]
    scale = 1.0
    while True:
        for step in (1, 2, 5):
            if step * scale > max(largest, 1) * 1.05:
                return ticks
            ticks.append(step * scale)
        scale *= 10


def log_axis(largest: float, **options: Any) -> alt.Axis:
    """An axis for a log (symlog) scale: the ticks of ``log_ticks``, each labelled by
    ``formatting.compact`` (1, 2, 5 … 1k, 2k). Vega's own format of these ticks rounds them to
    the prefix of the largest ("0k, 0k, 1k")."""
    ticks = log_ticks(largest)
    label = "datum.label"
    for tick in reversed(ticks):
        label = f"datum.value == {tick!r} ? {json.dumps(formatting.compact(tick))} : {label}"
    return alt.Axis(values=ticks, labelExpr=label, labelOverlap="greedy", **options)


def frame_of(data: Any, kind: str | None = None) -> pd.DataFrame:
    """A copy of ``data`` as a DataFrame; a Result must be of ``kind`` (when given)."""
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if hasattr(data, "kind") and hasattr(data, "to_frame"):
        if kind is not None and data.kind != kind:
            raise InvalidParameterError(
                f"This chart draws a '{kind}' result; got a '{data.kind}' result.")
        return data.to_frame()
    raise InvalidParameterError(
        f"A chart needs a pandas DataFrame or an insight Result; got {type(data).__name__}.")


def needs(frame: pd.DataFrame, columns: Iterable[str], chart: str) -> None:
    """Raise a clear error when ``frame`` lacks a column the chart draws."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"The {chart} chart needs column(s) {', '.join(missing)}; the data has "
            f"{', '.join(map(str, frame.columns)) or 'no columns'}.")


def to_dates(values: pd.Series) -> pd.Series:
    """Period labels (ISO strings, maybe with an offset) as naive local datetimes."""
    text = values.astype(str).str.slice(0, 19)
    if not text.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return values
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    return parsed if parsed.notna().all() else values


def period_axis(frame: pd.DataFrame, column: str = "period") -> str:
    """The Vega-Lite type of a period column: temporal when it parses as dates."""
    return "T" if pd.api.types.is_datetime64_any_dtype(frame[column]) else "O"
