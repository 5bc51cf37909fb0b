"""``applens monitor``: judge the declared metrics once or every N minutes, snooze, history."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, console, emit, err_console, warn
from applens.cli._registry import COMMANDS
from applens.errors import (
    ApplensError,
    ConfigError,
    DataError,
    InvalidParameterError,
    did_you_mean,
)

monitor_app = typer.Typer(invoke_without_command=True)


@COMMANDS.register("monitor")
def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")


def _duration(text: str, option: str) -> timedelta:
    from applens.monitor import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise InvalidParameterError(f"{option}: {exc}.") from None


def _print_run(run: object, fmt: OutputFormat) -> None:
    from applens.monitor import MonitorRun

    assert isinstance(run, MonitorRun)
    if fmt is not OutputFormat.table:
        emit(run.to_dict(), fmt)
        return
    kinds = [n.kind for n in run.notices]
    console.print(
        f"{run.now:%Y-%m-%d %H:%M} UTC: judged {run.slices_judged} slice(s); "
        f"{kinds.count('opened')} new, {kinds.count('worse') + kinds.count('repeat')} repeated, "
        f"{kinds.count('resolved')} resolved, {run.muted} muted; "
        f"{run.messages_sent} message(s) sent, {run.messages_pending} pending", highlight=False)
    for why in run.warnings:
        warn(why)
    for channel, why in run.failures.items():
        err_console.print(f"Delivery failed: {channel}: {why} (kept; retried next run)",
                          highlight=False)


def _report_failure(job: object, exc: BaseException, retry_at: datetime) -> None:
    why = str(exc) if isinstance(exc, ApplensError) else f"{type(exc).__name__}: {exc}"
    err_console.print(f"Monitor run failed: {why.rstrip('.')}. Next try at "
                      f"{retry_at:%Y-%m-%d %H:%M:%S %Z}; still running.",
                      highlight=False, markup=False)


@monitor_app.callback()
def monitor_cmd(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Judge once and exit (cron, Airflow).")]
    = False,
    every: Annotated[
        str | None, typer.Option("--every", help="Run forever, e.g. 15m; Ctrl-C stops.")
    ] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Judge the newest complete slices of every declared monitor and send one message.

    Monitors are the monitors.NAME tables of applens.toml; channels come from notify.

    Alert state lives in the warehouse: an alert opens once, repeats after its
    cooldown or when it gets worse, and closes with a "resolved" line. Unsent
    messages are retried on the next run.

    Example:

        applens monitor --once
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = workspace  # `applens monitor -w DIR history` means that workspace too
        return
    if once == (every is not None):
        raise InvalidParameterError("Give exactly one of --once or --every (e.g. --every 15m).")
    from applens.monitor import run_once

    ws = open_workspace(workspace)
    try:
        if once:
            _print_run(run_once(ws), fmt)
            return
        from applens.web import schedule  # only --every needs the clock (and loads web/)

        period = _duration(every or "", "--every")
        if period < timedelta(seconds=10):
            raise InvalidParameterError(f"--every {every} is too short; use 1m or more.")
        job = schedule.Job("monitor", schedule.every(period),
                           lambda slot: _print_run(run_once(ws), fmt),
                           on_error=_report_failure).start(ws.now(), at_once=True)
        try:
            schedule.run_forever([job], ws.now, time.sleep)
        except KeyboardInterrupt:
            err_console.print("Stopped; alert state is saved.")
    finally:
        ws.close()


def _known(ws: object, name: str) -> None:
    from applens.monitor import load_monitors

    monitors = load_monitors(ws.settings.monitors)  # type: ignore[attr-defined]
    if name not in monitors:
        raise ConfigError(
            f"There is no monitor '{name}' in applens.toml.{did_you_mean(name, monitors)} "
            f"Declared: {', '.join(monitors) or 'none'}."
        )


@monitor_app.command("snooze")
def snooze_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Monitor name (monitors.NAME in applens.toml).")],
    for_: Annotated[str, typer.Option("--for", help="How long, e.g. 2h or 1d.")] = "1h",
    off: Annotated[bool, typer.Option("--off", help="Lift the snooze now.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Keep judging a monitor but send nothing about it for a while.

    Example:

        applens monitor snooze dau --for 2h
    """
    from applens.monitor.state import set_snooze

    with open_workspace(workspace or ctx.obj) as ws:
        _known(ws, name)
        if off:
            set_snooze(ws, name, None)
            console.print(f"Monitor '{name}' is no longer snoozed.")
            return
        until = ws.now().replace(tzinfo=None) + _duration(for_, "--for")
        set_snooze(ws, name, until)
        console.print(f"Monitor '{name}' snoozed until {until:%Y-%m-%d %H:%M} UTC.")


@monitor_app.command("list")
def list_cmd(
    ctx: typer.Context, workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """List the declared monitors, their metric, slice and channels.

    Example:

        applens monitor list --format json
    """
    from applens.monitor import load_monitors
    from applens.monitor.state import snooze_until
    from applens.notify import notify_config, redact_channel

    with open_workspace(workspace or ctx.obj) as ws:
        default = notify_config(ws.settings.notify).urls
        rows = []
        for name, cfg in load_monitors(ws.settings.monitors).items():
            until = snooze_until(ws, name)
            now = ws.now().replace(tzinfo=None)
            rows.append({
                "name": name, "metric": cfg.label, "dimensions": ", ".join(cfg.dimensions),
                "slice": cfg.slice, "detector": cfg.detector, "cooldown": cfg.cooldown,
                "enabled": cfg.enabled,
                "snoozed_until": until.isoformat() if until and until > now else "",
                "channels": ", ".join(redact_channel(u) for u in (cfg.channels or default)),
            })
        emit(rows, fmt, title="Monitors")


@monitor_app.command("history")
def history_cmd(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Only incidents after this (e.g. 2026-11-01, or 7d ago).")
    ] = "7d",
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every alert incident: where, when, value vs expected, and when it resolved.

    Example:

        applens monitor history --since 30d --format csv
    """
    from applens.monitor import alert_history, readable_alerts
    from applens.monitor.backtest import parse_moment

    with open_workspace(workspace or ctx.obj) as ws:
        start = None
        if since:
            try:
                start = ws.now().replace(tzinfo=None) - _duration(since, "--since")
            except InvalidParameterError:
                try:
                    start = parse_moment(since, "--since")
                except DataError:
                    raise InvalidParameterError(
                        f"--since {since!r} is neither a duration (7d) nor a date (2026-11-01)."
                    ) from None
        frame = alert_history(ws, since=start)
        columns = ["monitor", "series", "slice_start", "status", "value", "expected",
                   "deviation_pct", "resolved_at"]
        shown = (readable_alerts(ws, frame[[*columns, "unit"]]) if fmt is OutputFormat.table
                 else frame[columns])
        emit(shown, fmt, title=f"Alerts ({len(frame)})")


@monitor_app.command("backtest")
def backtest_cmd(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="Replay from this UTC date/time.")],
    to: Annotated[str, typer.Option("--to", help="Replay up to (not including) this.")],
    labels: Annotated[
        Path | None, typer.Option("--labels", help="CSV of known incidents: start, end "
                                  "[, monitor, series]; adds precision and recall.")
    ] = None,
    monitor: Annotated[
        str | None, typer.Option("--monitor", help="Only this monitor (default: all enabled).")
    ] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Replay history and list the alerts that would have been sent (nothing is saved or
    sent), to tune a monitor before turning it on.

    Example:

        applens monitor backtest --from 2026-11-01 --to 2026-12-01 --labels incidents.csv
    """
    from applens.formatting import count, percent
    from applens.monitor.backtest import backtest, load_labels, parse_moment

    start = parse_moment(from_, "--from", InvalidParameterError)
    end = parse_moment(to, "--to", InvalidParameterError)
    known = load_labels(labels) if labels is not None else None
    with open_workspace(workspace or ctx.obj) as ws:
        if monitor is not None:
            _known(ws, monitor)
        result = backtest(ws, start, end, labels=known, only=monitor)
    if fmt is not OutputFormat.table:
        emit(result.to_dict() if fmt is OutputFormat.json else result.rows(), fmt)
        return
    if result.rows():
        emit(result.rows(), fmt, title=f"Alerts that would have been sent ({len(result.sent)})")
    summary = (f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC: judged "
               f"{count(result.slices_judged)} slice(s); {count(len(result.opened))} alert(s) "
               f"would have opened, {count(len(result.sent))} message line(s) sent")
    if known is not None:
        precision = "n/a" if result.precision is None else percent(result.precision)
        recall = "n/a" if result.recall is None else percent(result.recall)
        summary += (f"; against {count(len(known))} label(s): precision {precision}, "
                    f"recall {recall}")
    console.print(summary + ".", highlight=False)
