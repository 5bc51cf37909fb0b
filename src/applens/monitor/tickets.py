"""Support tickets as a monitor's metric: ``tickets = "volume"`` (tickets per day) or
``tickets = "negative_share"`` (the share of a day's tickets labelled negative), whole or
cut by ``type`` or ``app_version`` (the version the ticket's user ran at the time).

The numbers are ``applens.text.metrics.daily_ticket_metrics``, the same the ``tickets
metrics`` command, the report and the dashboard show; this module only lays them on the
monitor's grid (``series, slice_start, value, volume``), so the same detectors, alert
state and messages judge them. A ``negative_share`` monitor is judged by a share judge
(``applens.monitor.share_judges``) on the counts behind the shares (``hits``, ``trials``).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from applens.anomalies import Detection
from applens.monitor.config import MonitorConfig
from applens.monitor.share_judges import SHARE_JUDGES, get_share_judge
from applens.monitor.slices import ALL, _label
from applens.workspace import Workspace

__all__ = ["TICKET_DIMENSIONS", "judge_shares", "share_detection", "ticket_slices"]

TICKET_DIMENSIONS = ("type", "app_version")


def ticket_slices(ws: Workspace, cfg: MonitorConfig, start: datetime, end: datetime
                  ) -> pd.DataFrame:
    """Columns ``series, slice_start, value, volume, hits, trials`` for every day in
    [start, end): ``value`` is the ticket count or the negative share (NaN on a day with no
    judged ticket), ``volume`` the day's ticket count (what ``min_volume`` looks at),
    ``hits`` its negative tickets and ``trials`` those whose negativity is known."""
    from applens.text.metrics import UNKNOWN, daily_ticket_metrics  # only when asked

    by = cfg.dimensions[0] if cfg.dimensions else None
    daily = daily_ticket_metrics(ws, by=by)
    daily = daily[(daily["day"] >= start) & (daily["day"] < end)]
    if by == "app_version":  # a writer with no event before the ticket has no version
        daily = daily[daily[by] != UNKNOWN]
    daily = daily.assign(series=_label(daily, cfg.dimensions) if by else ALL)
    days = pd.date_range(pd.Timestamp(start).ceil("D"), pd.Timestamp(end), freq="D",
                         inclusive="left")
    names = sorted(set(daily["series"]))
    index = pd.MultiIndex.from_product([names, days], names=["series", "slice_start"])
    wide = daily.set_index(["series", "day"]).reindex(index)
    tickets = wide["tickets"].fillna(0).to_numpy(dtype=float)
    value = tickets if cfg.tickets == "volume" else wide["negative_share"].to_numpy(dtype=float)
    out = pd.DataFrame({"value": np.asarray(value, dtype=float), "volume": tickets,
                        "hits": wide["negative"].fillna(0).to_numpy(dtype=float),
                        "trials": wide["judged"].fillna(0).to_numpy(dtype=float)},
                       index=index).reset_index()
    return out[["series", "slice_start", "value", "volume", "hits", "trials"]]


def judge_shares(frame: pd.DataFrame, cfg: MonitorConfig) -> pd.DataFrame | None:
    """The share judge's verdicts on a ``ticket_slices`` frame, as columns aligned with its
    rows (None when ``cfg.detector`` is an anomaly detector, judged per series instead).
    App versions are judged against each other; one series or request types against
    their own earlier days."""
    if cfg.detector not in SHARE_JUDGES:
        return None
    judge = get_share_judge(cfg.detector, dict(cfg.params))
    hits = frame.pivot(index="series", columns="slice_start", values="hits")
    trials = frame.pivot(index="series", columns="slice_start", values="trials")
    verdicts = judge.judge(hits.to_numpy(), trials.to_numpy(),
                           others=cfg.dimensions == ["app_version"], direction=cfg.direction)
    long = pd.DataFrame({name: np.asarray(column).ravel()
                         for name, column in verdicts._asdict().items()},
                        index=pd.MultiIndex.from_product([hits.index, hits.columns]))
    keys = pd.MultiIndex.from_frame(frame[["series", "slice_start"]])
    return long.reindex(keys).set_axis(frame.index)


def share_detection(verdicts: pd.DataFrame, part: pd.DataFrame, name: str) -> Detection:
    """One series' rows of ``judge_shares`` as the ``Detection`` a detector would give."""
    rows = verdicts.loc[part.index]
    return Detection(part["slice_start"].to_numpy(), rows["value"].to_numpy(float),
                     rows["score"].to_numpy(float), rows["alert"].to_numpy(bool),
                     rows["expected"].to_numpy(float), rows["lower"].to_numpy(float),
                     rows["upper"].to_numpy(float), detector=name,
                     judged=rows["judged"].to_numpy(bool))
