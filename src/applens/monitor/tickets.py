"""Support tickets as a monitor's metric: ``tickets = "volume"`` (tickets per day) or
``tickets = "negative_share"`` (the share of a day's tickets labelled negative), whole or
cut by ``type`` or ``app_version`` (the version the ticket's user ran at the time).

The numbers are ``applens.text.metrics.daily_ticket_metrics``, the same the ``tickets
metrics`` command, the report and the dashboard show; this module only lays them on the
monitor's grid (``series, slice_start, value, volume``), so the same detectors, alert
state and messages judge them.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from applens.monitor.config import MonitorConfig
from applens.monitor.slices import ALL, _label
from applens.workspace import Workspace

__all__ = ["TICKET_DIMENSIONS", "ticket_slices", "ticket_span"]

TICKET_DIMENSIONS = ("type", "app_version")


def ticket_span(ws: Workspace) -> tuple[datetime, datetime] | None:
    """Naive-UTC times of the first and the last ticket (None without dated tickets)."""
    if not ws.has_table("tickets"):
        return None
    lo, hi = ws.connection.execute("SELECT min(ts), max(ts) FROM tickets").fetchall()[0]
    if lo is None:
        return None
    return pd.Timestamp(lo).to_pydatetime(), pd.Timestamp(hi).to_pydatetime()


def ticket_slices(ws: Workspace, cfg: MonitorConfig, start: datetime, end: datetime
                  ) -> pd.DataFrame:
    """Columns ``series, slice_start, value, volume`` for every day in [start, end):
    ``value`` is the ticket count or the negative share (NaN on a day with no judged
    ticket), ``volume`` the day's ticket count (what ``min_volume`` looks at)."""
    from applens.text.metrics import daily_ticket_metrics  # pandas-heavy: only when asked

    by = cfg.dimensions[0] if cfg.dimensions else None
    daily = daily_ticket_metrics(ws, by=by)
    daily = daily[(daily["day"] >= start) & (daily["day"] < end)]
    daily = daily.assign(series=_label(daily, cfg.dimensions) if by else ALL)
    days = pd.date_range(pd.Timestamp(start).ceil("D"), pd.Timestamp(end), freq="D",
                         inclusive="left")
    names = sorted(set(daily["series"]))
    index = pd.MultiIndex.from_product([names, days], names=["series", "slice_start"])
    wide = daily.set_index(["series", "day"]).reindex(index)
    tickets = wide["tickets"].fillna(0).to_numpy(dtype=float)
    value = tickets if cfg.tickets == "volume" else wide["negative_share"].to_numpy(dtype=float)
    out = pd.DataFrame({"value": np.asarray(value, dtype=float), "volume": tickets},
                       index=index).reset_index()
    return out[["series", "slice_start", "value", "volume"]]
