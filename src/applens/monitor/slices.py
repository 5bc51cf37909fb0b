"""A monitor's metric per time slice (and per dimension values), straight from the warehouse.

Slices are aligned to the epoch in UTC (15-minute slices start at :00, :15, :30, :45).
Every series gets every slice of the range: a slice with no events is a 0 count (an
outage must look like one), while a ratio with nothing to divide is unknown (NaN).
"""

from __future__ import annotations

from datetime import datetime

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from applens.anomalies._stats import lagged
from applens.errors import ConfigError, did_you_mean
from applens.insights import _filters, _formula
from applens.monitor.config import MonitorConfig
from applens.workspace import Workspace

__all__ = ["ALL", "metric_slices", "usual_volume", "watermark"]

ALL = "all"  # the series label of a monitor without dimensions
_ZERO_WHEN_EMPTY = {"total", "dau", "unique_sessions", "sum"}


def watermark(ws: Workspace, cfg: MonitorConfig | None = None) -> datetime | None:
    """Newest event time in the warehouse (naive UTC): data after it has not arrived.
    A monitor on tickets (``cfg.tickets``) reads the newest ticket instead."""
    table = "tickets" if cfg is not None and cfg.tickets else "events"
    if not ws.has_table(table):
        return None
    newest = ws.connection.execute(f"SELECT max(ts) FROM {table}").fetchall()[0][0]
    return None if newest is None else pd.Timestamp(newest).to_pydatetime()


def _check_columns(cfg: MonitorConfig, events: ir.Table, users: ir.Table | None) -> None:
    names = [c for c in events.columns if not c.startswith("_")]
    for i, dim in enumerate(cfg.dimensions):
        if dim not in names:
            raise ConfigError(
                f"applens.toml: 'monitors.{cfg.name}.dimensions.{i}' names '{dim}', which is not "
                f"an events column.{did_you_mean(dim, names)} Columns: {', '.join(names)}."
            )
    filters = [(f, f"properties.{i}") for i, f in enumerate(cfg.properties)]
    for j, s in enumerate(cfg.metric_series):
        filters += [(f, f"series.{j}.properties.{i}") for i, f in enumerate(s.properties)]
        if s.math_property:
            _formula.property_columns(events, s.math_property,
                                      f"applens.toml: 'monitors.{cfg.name}.math_property'")
    for f, where in filters:
        try:
            _filters.check_property(events, users, f.key, f.type, where)
        except Exception as exc:  # QueryError → the toml key it came from
            raise ConfigError(f"applens.toml: [monitors.{cfg.name}]: {exc}") from None


def metric_slices(ws: Workspace, cfg: MonitorConfig, start: datetime, end: datetime
                  ) -> pd.DataFrame:
    """Columns ``series, slice_start, value, volume`` for every slice in [start, end).

    ``volume`` is the first series' value (the denominator of a ratio such as CTR) and is
    what the minimum-volume guard looks at.
    """
    events = ws.table("events")
    users = ws.backend.table("users") if ws.has_table("users") else None
    _check_columns(cfg, events, users)
    person_keys = [f.key for f in cfg.properties if f.type == "person"]
    for s in cfg.metric_series:
        person_keys += [f.key for f in s.properties if f.type == "person"]
    table = _filters.attach_person(events, users, person_keys)
    seconds = int(cfg.slice_step.total_seconds())
    table = table.filter((table.ts >= start) & (table.ts < end))
    for f in cfg.properties:
        table = table.filter(_filters.predicate(table, f))
    epoch = table.ts.epoch_seconds()
    table = table.mutate(_slot=epoch - epoch % seconds)
    keys = ["_slot", *cfg.dimensions]
    per_series = []
    for letter, s in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", cfg.metric_series, strict=False):
        part = table.filter(table.event == s.event) if s.event is not None else table
        for f in s.properties:
            part = part.filter(_filters.predicate(part, f))
        frame = part.group_by(keys).agg(**{letter: _aggregate(part, s.math, s.math_property)})
        per_series.append((letter, s.math, frame.to_pandas()))
    return _grid(cfg, per_series, start, end, seconds)


def _aggregate(table: ir.Table, math: str, prop: str | None) -> ir.Scalar:
    if math == "total":
        return table.count()
    if math == "dau":
        return table.user_id.nunique()
    if math == "unique_sessions":
        return table.session_id.nunique()
    column = _formula.property_value(table, prop or "")
    if math == "share":
        return (column != 0).cast("float64").mean()
    return getattr(column, {"avg": "mean"}.get(math, math))()


def _label(frame: pd.DataFrame, dims: list[str]) -> pd.Series:
    if not dims:
        return pd.Series(ALL, index=frame.index)
    parts = [dim + "=" + frame[dim].astype("string").fillna("(none)") for dim in dims]
    label = parts[0]
    for part in parts[1:]:
        label = label + ", " + part
    return label.astype(object)


def _grid(cfg: MonitorConfig, per_series: list[tuple[str, str, pd.DataFrame]],
          start: datetime, end: datetime, seconds: int) -> pd.DataFrame:
    first = int(pd.Timestamp(start).timestamp()) // seconds * seconds
    last = int(pd.Timestamp(end).timestamp())
    slots = np.arange(first if first >= pd.Timestamp(start).timestamp() else first + seconds,
                      last, seconds, dtype=np.int64)
    labelled = []
    for letter, math, frame in per_series:
        frame = frame.assign(series=_label(frame, cfg.dimensions))
        labelled.append((letter, math, frame))
    names = sorted({n for _, _, f in labelled for n in f["series"]})
    index = pd.MultiIndex.from_product([names, slots], names=["series", "_slot"])
    wide = pd.DataFrame(index=index)
    for letter, math, frame in labelled:
        values = frame.groupby(["series", "_slot"])[letter].sum(min_count=1).astype(float)
        column = values.reindex(index)
        wide[letter] = column.fillna(0.0) if math in _ZERO_WHEN_EMPTY else column
    if cfg.formula:
        env = {c: wide[c] for c in wide.columns}
        value = _formula.evaluate_columns(cfg.formula, env)
    else:
        value = wide["A"]
    out = pd.DataFrame({"value": np.asarray(value, dtype=float),
                        "volume": wide["A"].to_numpy(dtype=float)}, index=index).reset_index()
    out["slice_start"] = pd.to_datetime(out.pop("_slot"), unit="s")
    return out[["series", "slice_start", "value", "volume"]]


def usual_volume(volume: np.ndarray, stamps: np.ndarray, days: int = 7) -> np.ndarray:
    """The median volume of the same slot over the previous ``days`` days (causal; 0 where
    there is no history). The volume guard reads it with the slot's own volume, so an
    outage (the volume itself collapses) is still judged, and a slot that is usually
    quiet (a few people at night) never is."""
    x = pd.Series(volume, dtype=float)
    ts = pd.Series(pd.to_datetime(stamps))
    lags = pd.concat([lagged(x, ts, pd.Timedelta(days=k)) for k in range(1, days + 1)], axis=1)
    return np.nan_to_num(lags.median(axis=1).to_numpy(), nan=0.0)
