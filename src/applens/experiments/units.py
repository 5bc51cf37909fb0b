"""One row per user before a readout of a file (``ab analyze --data``).

A log exported from an experiment often repeats users: a second visit, a user who saw both
arms. Counted as they come, repeats weigh twice and a user in both arms is in both samples.
The rule is the workspace path's (:mod:`applens.experiments.declared`): a user in more than
one arm is left out, any other user keeps the first row (by the time column when there is
one, else the file order); every choice is counted in a note.
"""

from __future__ import annotations

import re

import ibis
import pandas as pd

from applens.errors import DataError, SchemaError, did_you_mean
from applens.insights._where import filter_rows

__all__ = ["filter_frame", "one_row_per_user"]

_TIME_NAMES = ("ts", "timestamp", "time", "exposure_time", "assigned_at", "date")
_USER_NAME = re.compile(r"(?i)^(user|player|customer|client|visitor|account)?_?id$")


def filter_frame(frame: pd.DataFrame, where: str | None) -> tuple[pd.DataFrame, list[str]]:
    """The rows where the SQL condition ``where`` holds (see :mod:`applens.insights._where`)."""
    if not where:
        return frame, []
    kept = filter_rows(ibis.memtable(frame), where, "--where").execute()
    kept = kept[list(frame.columns)].reset_index(drop=True)
    return kept, [f"--where {where}: kept {len(kept):,} of {len(frame):,} rows."]


def _column(frame: pd.DataFrame, given: str | None, what: str, guess: list[str]) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise SchemaError(f"{what} {given!r} is not in the data."
                              f"{did_you_mean(given, frame.columns)} Columns: "
                              f"{', '.join(map(str, frame.columns))}.")
        return given
    return guess[0] if len(guess) == 1 else None


def one_row_per_user(frame: pd.DataFrame, *, group_col: str, user_col: str | None = None,
                     time_col: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with one row per user (rule in the module docstring) and notes saying what
    was done. Without ``user_col``, a single column named like ``user_id``/``userid`` is the
    user; with none, every row is a user."""
    user = _column(frame, user_col, "--user-col",
                   [c for c in frame.columns if _USER_NAME.match(str(c))])
    if user is None or frame[user].is_unique:
        return frame, []
    time = _column(frame, time_col, "--time-col",
                   [c for c in frame.columns if str(c).lower() in _TIME_NAMES])
    ordered, order = frame, "file order"
    if time is not None:
        stamps = pd.to_datetime(frame[time], errors="coerce")
        bad = frame[time][stamps.isna() & frame[time].notna()]
        if len(bad):
            raise DataError(f"--time-col {time!r} has values that are not times, such as "
                            f"{bad.iloc[0]!r} (row {bad.index[0] + 2} of the file); fix them "
                            "or pass another --time-col.")
        ordered = frame.assign(_order=stamps).sort_values("_order", kind="stable").drop(
            columns="_order")
        order = f"earliest {time}"
    arms = ordered.groupby(user, sort=False)[group_col].nunique()
    mixed = arms.index[arms > 1]
    single = ordered[~ordered[user].isin(mixed)]
    repeated = int(single[user].duplicated().sum())
    kept = single.drop_duplicates(user, keep="first").sort_index().reset_index(drop=True)
    notes = [f"{len(frame):,} rows for {frame[user].nunique():,} users ({user}): "
             f"{len(mixed):,} users in more than one arm are left out; "
             f"{repeated:,} repeated rows of the other users are dropped (each keeps its "
             f"first row, by {order}). {len(kept):,} users remain."]
    return kept, notes
