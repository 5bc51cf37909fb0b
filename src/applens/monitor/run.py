"""``run_once``: judge the newest complete slices of every monitor, update the alert state,
queue one grouped message, then deliver everything still pending.

The state is written in one transaction before anything is sent, so a failed delivery
never loses an alert: its message stays in ``alert_outbox`` and goes out next run.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from applens.errors import ConfigError, InvalidParameterError, UnknownComponentError
from applens.insights.span import data_span
from applens.monitor import state
from applens.monitor.config import MonitorConfig, load_monitors
from applens.monitor.judge import Notice, SliceVerdict, step_alert
from applens.monitor.message import explain_notices, render_chart, render_text, same_metric
from applens.monitor.slices import metric_slices, usual_volume, watermark
from applens.monitor.tickets import judge_shares, share_detection, ticket_slices
from applens.notify import notify_config, redact_channel, send
from applens.workspace import Workspace

__all__ = ["MonitorRun", "run_once"]


@dataclass
class MonitorRun:
    """What one run judged, announced and delivered."""

    now: datetime
    judged_until: dict[str, str] = field(default_factory=dict)  # monitor -> end of last slice
    slices_judged: int = 0
    notices: list[Notice] = field(default_factory=list)
    muted: int = 0  # notices not sent because of a mute window or a snooze
    messages_sent: int = 0
    messages_pending: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # redacted channel -> why
    warnings: list[str] = field(default_factory=list)

    @property
    def opened(self) -> list[Notice]:
        return [n for n in self.notices if n.kind == "opened"]

    @property
    def resolved(self) -> list[Notice]:
        return [n for n in self.notices if n.kind == "resolved"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(), "judged_until": self.judged_until,
            "slices_judged": self.slices_judged,
            "notices": [{"kind": n.kind, "monitor": n.monitor, "series": n.series,
                         "slice_start": n.verdict.slice_start.isoformat(),
                         "value": n.verdict.value, "expected": n.verdict.expected,
                         "deviation_pct": n.verdict.deviation_pct} for n in self.notices],
            "muted": self.muted, "messages_sent": self.messages_sent,
            "messages_pending": self.messages_pending, "failures": self.failures,
            "warnings": self.warnings,
        }


_MIN_AGE = timedelta(days=7)  # a new series' own history before it may alert


def _floor(moment: datetime, step: timedelta) -> datetime:
    seconds = int(step.total_seconds())
    epoch = int(pd.Timestamp(moment).timestamp())
    return datetime(1970, 1, 1) + timedelta(seconds=epoch - epoch % seconds)


def _detector(cfg: MonitorConfig) -> Any:
    from applens.anomalies import DETECTORS, get_detector

    try:
        names = DETECTORS[cfg.detector]._get_param_names() if cfg.detector in DETECTORS else []
        # The monitor owns dedup (alert state) and guards (volume of the denominator), so
        # the detector reports every slice it finds unusual.
        own = {"suppress": 0, "cooldown": 0, "min_volume": 0.0, "min_abs_change": 0.0}
        params = {k: v for k, v in own.items() if k in names} | dict(cfg.params)
        det = get_detector(cfg.detector, **params)
        det._validate_params()
        return det
    except UnknownComponentError as exc:
        raise ConfigError(f"applens.toml: 'monitors.{cfg.name}.detector': {exc}") from None
    except InvalidParameterError as exc:
        raise ConfigError(f"applens.toml: 'monitors.{cfg.name}.params': {exc}") from None


def _muted(cfg: MonitorConfig, slice_start: datetime, zone: ZoneInfo) -> bool:
    local = slice_start.replace(tzinfo=UTC).astimezone(zone).time()
    for start, end in cfg.mute_windows():
        inside = start <= local < end if start <= end else (local >= start or local < end)
        if inside:
            return True
    return False


@dataclass
class _Judged:
    notices: list[Notice]
    alerts: list[dict[str, Any]]
    progress: dict[str, datetime]
    frames: dict[tuple[str, str], pd.DataFrame]
    slices: int


def _judge_monitor(ws: Workspace, cfg: MonitorConfig, now: datetime, mark: datetime,
                   replay: tuple[datetime, datetime] | None = None
                   ) -> tuple[_Judged, datetime]:
    """Judge the slices not judged yet. With ``replay = (from, to)`` (a backtest), judge
    every slice in [from, to) from a blank alert state and read no saved state."""
    step = cfg.slice_step
    if replay is None:
        end = min(_floor(now - cfg.duration("delay"), step), _floor(mark, step))
        catch_from = end - cfg.duration("catch_up")
        done = state.progress(ws, cfg.name)
        open_alerts = state.open_alerts(ws, cfg.name)
        last_resolved = state.last_resolved(ws, cfg.name)
    else:
        catch_from, end = _floor(replay[0], step), min(_floor(replay[1], step), _floor(mark, step))
        done, open_alerts, last_resolved = {}, {}, {}
    start = catch_from - cfg.duration("history") if replay else end - cfg.duration("history")
    if cfg.tickets is not None:
        frame = ticket_slices(ws, cfg, start, end)
    else:
        frame = metric_slices(ws, cfg, start, end)
    span = data_span(ws.backend, "tickets" if cfg.tickets else "events")
    shares = judge_shares(frame, cfg) if cfg.tickets else None  # count-aware, all series
    det = _detector(cfg) if shares is None else None
    cooldown = cfg.duration("cooldown")
    window_holds_all = span is None or span[0] >= start  # every series is born in it
    out = _Judged([], [], {}, {}, 0)
    for series, part in frame.groupby("series", sort=True):
        part = part.sort_values("slice_start")
        seen = np.flatnonzero(part["volume"].to_numpy() > 0)
        if not len(seen):
            continue
        part = part.iloc[seen[0]:]  # a series starts when it first has data (a new version)
        stamps = part["slice_start"].to_numpy()
        # A series born inside the window is judged after a week of its own history: its
        # first Saturday evening would otherwise be a record, however ordinary.
        # (A share judge needs its minimum of tickets instead.)
        young = stamps < np.datetime64(pd.Timestamp(stamps[0]) + _MIN_AGE) if (
            shares is None and (seen[0] > 0 or window_holds_all)) else np.zeros(len(stamps), bool)
        d = (share_detection(shares, part, cfg.detector) if shares is not None
             else det.fit_detect(part["value"].to_numpy(dtype=float), stamps))
        volume = part["volume"].to_numpy(dtype=float)
        expected = np.nan_to_num(d.expected, nan=0.0)
        guard = np.maximum(np.maximum(volume, usual_volume(volume, stamps)),
                           0 if cfg.formula else expected) >= cfg.min_volume
        guard &= np.abs(d.values - expected) >= cfg.min_abs_change
        if cfg.direction != "both":
            guard &= (d.values < expected) if cfg.direction == "drop" else (d.values > expected)
        hot = d.alert & guard & ~np.isnan(d.expected) & d.judged & ~young
        times = [t.to_pydatetime() for t in pd.to_datetime(part["slice_start"])]
        last = done.get(series)
        todo = [i for i, t in enumerate(times)
                if t >= catch_from and (last is None or t > last) and not np.isnan(d.values[i])]
        alert = open_alerts.get(series)
        previous = last_resolved.get(series)
        p_values = (shares.loc[part.index, "p_value"].to_numpy(float) if shares is not None
                    else np.full(len(part), np.nan))
        for i in todo:
            v = SliceVerdict(times[i], float(d.values[i]), float(d.expected[i]),
                             float(d.lower[i]), float(d.upper[i]), float(d.score[i]), bool(hot[i]),
                             float(p_values[i]))
            alert, notice = step_alert(alert, v, monitor=cfg.name, series=series, step=step,
                                       cooldown=cooldown, worse_factor=cfg.worse_factor,
                                       resolve_after=cfg.resolve_after, previous=previous,
                                       confirm=cfg.confirm)
            if notice is not None:
                out.notices.append(notice)
            if alert is not None:
                out.alerts.append(alert)
                if alert["status"] == "resolved":
                    alert, previous = None, alert
                elif alert["status"] == "discarded":
                    alert = None
        if todo:
            out.progress[series] = times[todo[-1]]
            out.slices += len(todo)
        out.frames[(cfg.name, series)] = pd.DataFrame({
            "slice_start": times, "value": d.values, "expected": d.expected, "lower": d.lower,
            "upper": d.upper, "anomalous": hot})
    return out, end


def run_once(ws: Workspace, now: datetime | None = None, *,
             monitors: dict[str, dict[str, Any]] | None = None,
             sleep: Callable[[float], None] = time.sleep,
             lock: AbstractContextManager[Any] | None = None) -> MonitorRun:
    """Judge every enabled ``[monitors.*]`` up to ``now`` (default: the workspace clock).

    ``monitors`` replaces the workspace's ``[monitors]`` tables (the demo replays a month
    with its own); ``sleep`` is the back-off between delivery retries. ``lock`` (the
    dashboard's) is held while the warehouse is used and released while messages are sent,
    so a failing channel's back-off never freezes the dashboard.
    """
    lock = lock if lock is not None else nullcontext()
    notify = notify_config(ws.settings.notify)
    with lock:
        run = _judge_and_commit(ws, now, monitors, notify.urls)
    _deliver(ws, run, notify.retries, notify.backoff_seconds, sleep, lock)
    return run


def _judge_and_commit(ws: Workspace, now: datetime | None,
                      monitors: dict[str, dict[str, Any]] | None,
                      default_urls: list[str]) -> MonitorRun:
    moment = now or ws.now()
    moment = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    monitors = load_monitors(ws.settings.monitors if monitors is None else monitors)
    state.ensure_tables(ws)
    run = MonitorRun(now=moment)
    mark = watermark(ws)
    if not monitors:
        run.warnings.append("No monitors are declared; add a [monitors.<name>] table to "
                            "applens.toml.")
    zone = ZoneInfo(ws.settings.timezone)
    judged: list[tuple[MonitorConfig, _Judged]] = []
    for cfg in monitors.values():
        if not cfg.enabled:
            continue
        own = mark if cfg.tickets is None else watermark(ws, cfg)
        if own is None:
            warning = (f"The workspace has no dated tickets yet; monitor '{cfg.name}' has "
                       "nothing to judge." if cfg.tickets else
                       "The warehouse has no events yet; nothing to judge.")
            if warning not in run.warnings:
                run.warnings.append(warning)
            continue
        result, end = _judge_monitor(ws, cfg, moment, own)
        run.judged_until[cfg.name] = end.isoformat()
        run.slices_judged += result.slices
        judged.append((cfg, result))
    watches_events = any(cfg.enabled and cfg.tickets is None for cfg in monitors.values())
    if watches_events and mark is not None and moment - mark > timedelta(hours=1):
        run.warnings.append(f"The newest event is from {mark:%Y-%m-%d %H:%M} UTC: data is late, "
                            "so newer slices are not judged yet.")
    _commit(ws, run, judged, default_urls, zone)
    return run


def _commit(ws: Workspace, run: MonitorRun, judged: list[tuple[MonitorConfig, _Judged]],
            default_urls: list[str], zone: ZoneInfo) -> None:
    """Alert state, progress and the grouped messages, all or nothing."""
    groups: dict[tuple[str, ...], list[Notice]] = {}
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    labels = {cfg.name: cfg.label for cfg, _ in judged}
    steps = {cfg.name: cfg.slice_step for cfg, _ in judged}
    for cfg, result in judged:
        run.notices.extend(result.notices)
        frames.update(result.frames)
        snoozed = state.snooze_until(ws, cfg.name)
        channels = tuple(cfg.channels if cfg.channels is not None else default_urls)
        for n in result.notices:
            quiet = (snoozed is not None and run.now < snoozed) or _muted(
                cfg, n.verdict.slice_start, zone)
            if quiet:
                run.muted += 1
            elif channels:
                groups.setdefault(channels, []).append(n)
        if result.notices and not channels:
            run.warnings.append(f"Monitor '{cfg.name}' has alerts but no channels: set "
                                "[notify] urls or monitors.<name>.channels.")
    messages = []
    why = explain_notices(ws, run.notices, {cfg.name: cfg for cfg, _ in judged})
    configs = [cfg for cfg, _ in judged]
    links = {cfg.name: cfg.dashboard_url for cfg in configs if cfg.dashboard_url}
    units = {cfg.name: cfg.unit for cfg in configs}
    parents = {t.name: [c.name for c in configs if same_metric(t, c)] for t in configs}
    for channels, notices in groups.items():
        title, body = render_text(notices, labels, steps, why, links=links, parents=parents,
                                  units=units)
        messages.append((list(channels), title, body, render_chart(notices, frames)))
    con = ws.connection
    con.execute("BEGIN TRANSACTION")
    try:
        for cfg, result in judged:
            for alert in result.alerts:  # the unit travels with the alert: an inline
                state.save_alert(ws, {**alert, "unit": cfg.unit})  # monitor is in no config
            for series, last in result.progress.items():
                state.save_progress(ws, cfg.name, series, last)
        for channels, title, body, chart in messages:
            state.queue_message(ws, run.now, channels, title, body, chart)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _deliver(ws: Workspace, run: MonitorRun, retries: int, backoff: float,
             sleep: Callable[[float], None], lock: AbstractContextManager[Any]) -> None:
    """Send every pending message (this run's and earlier failures), oldest first; ``lock``
    is held for the outbox reads and writes only, not while sending or backing off."""
    with lock:
        pending = state.pending_messages(ws)
    for message in pending:
        with tempfile.TemporaryDirectory(dir=ws.internal_dir) as folder:
            attachments = []
            if message.chart:
                path = Path(folder) / "anomalies.png"
                path.write_bytes(message.chart)
                attachments.append(path)
            delivery = send(message.channels, message.title, message.body, attachments,
                            retries=retries, backoff_seconds=backoff, sleep=sleep)
        with lock:
            state.mark_delivery(ws, message, delivery.failed, run.now)
        if delivery.failed:
            run.messages_pending += 1
            run.failures.update({redact_channel(u): why for u, why in delivery.failed.items()})
        else:
            run.messages_sent += 1
