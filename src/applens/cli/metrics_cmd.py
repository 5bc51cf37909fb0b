"""``applens metrics``: DAU/WAU/MAU, stickiness ratio, CTR or events per user, as one spec;
and support tickets per day with their negative share (``--metric tickets``), read from the
tickets table by ``applens.text.metrics`` (what ``tickets metrics`` and the monitor read)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import typer

from applens.cli._common import open_workspace
from applens.cli._output import OutputFormat, emit
from applens.cli._registry import COMMANDS
from applens.cli._shortcut import (
    Built,
    FromOption,
    Interval,
    IntervalOption,
    Slice,
    SliceOption,
    TimezoneOption,
    ToOption,
    common,
    shortcut,
)
from applens.cli._tickets_view import readable_tickets
from applens.errors import InvalidParameterError


class Metric(str, Enum):
    active = "active"
    stickiness = "stickiness"
    ctr = "ctr"
    events_per_user = "events-per-user"
    tickets = "tickets"


# What "active users" means at each grain: a count per period equals the window of that
# length, so a week shows WAU (and a rolling 30-day MAU) and a month shows MAU once.
ACTIVE_MATH = {"hour": ["dau", "wau", "mau"], "day": ["dau", "wau", "mau"],
               "week": ["wau", "mau"], "month": ["mau"]}


@COMMANDS.register("metrics")
def register(app: typer.Typer) -> None:
    app.command("metrics")(_or_tickets(metrics))


def metrics_spec(metric: Metric, *, event: str | None, view_event: str, click_event: str,
                 **fields: Any) -> dict[str, Any]:
    """The insight spec behind each metric."""
    if metric is Metric.active:  # per week DAU = WAU, per month all three are MAU
        return {"kind": "active_users", "math": ACTIVE_MATH[fields.get("interval", "day")],
                "event": event, **fields}
    if metric is Metric.events_per_user:
        return {"kind": "active_users", "math": ["total", "dau", "per_user_avg"],
                "event": event, **fields}
    if metric is Metric.stickiness:  # DAU / MAU
        series = [{"event": event, "math": "dau"}, {"event": event, "math": "mau"}]
    else:  # click-through rate: clicks / views
        series = [{"event": click_event}, {"event": view_event}]
    return {"kind": "trends", "series": series, "formula": "A / B", **fields}


@shortcut()
def metrics(
    metric: Annotated[Metric, typer.Option(
        "--metric", "-m", help="active (DAU/WAU/MAU per day; WAU and rolling MAU per week; "
        "MAU per month), stickiness (DAU/MAU), ctr (clicks/views), events-per-user or tickets "
        "(support tickets per day and their negative share; --by app_version: the version "
        "each writer ran at the ticket).")
    ] = Metric.active,
    date_from: FromOption = "-30d",
    date_to: ToOption = None,
    interval: IntervalOption = Interval.day,
    by: SliceOption = None,
    event: Annotated[str | None, typer.Option(
        "--event", help="Count only this event (default: any event).")] = None,
    view_event: Annotated[str, typer.Option(help="The 'view' event of --metric ctr.")] = "view",
    click_event: Annotated[str, typer.Option(help="The 'click' event of --metric ctr.")] = "click",
    timezone: TimezoneOption = None,
) -> Built:
    """Key product metrics over a range, optionally sliced: DAU/WAU/MAU, stickiness, CTR.

    Example: applens metrics --metric ctr --by os --from -14d --events events.parquet
    """
    spec = metrics_spec(metric, event=event, view_event=view_event, click_event=click_event,
                        **common(date_from=date_from, date_to=date_to, interval=interval,
                                 timezone=timezone, by=by))
    if spec.get("event") is None:
        spec.pop("event", None)
    return spec


def _or_tickets(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` (the insight shortcut), except that ``--metric tickets`` is answered
    from the tickets table (tickets are not events: there is no insight spec for them)."""

    @functools.wraps(command)  # keeps the shortcut's signature: the same options
    def metrics_or_tickets(**values: Any) -> None:
        if values["metric"] is Metric.tickets:
            _ticket_metrics(**values)
        else:
            command(**values)

    return metrics_or_tickets


def _ticket_metrics(*, by: Slice | None, date_from: str | None, date_to: str | None,
                    interval: Interval, timezone: str | None, workspace: Any,
                    fmt: OutputFormat, **others: Any) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from applens.insights._time import resolve_range
    from applens.insights.span import data_span
    from applens.text.metrics import daily_ticket_metrics

    flags = {"events": "--events", "users": "--users", "engine": "--engine", "where": "--where",
             "show_spec": "--show-spec", "event": "--event"}
    given = [flag for key, flag in flags.items() if others.get(key)]
    given += ["--tz"] if timezone else []
    if given:
        raise InvalidParameterError(f"--metric tickets reads the workspace's tickets per UTC "
                                    f"day; drop {', '.join(given)}.")
    if interval is not Interval.day:
        raise InvalidParameterError("--metric tickets is measured per day; drop --interval.")
    if by not in (None, Slice.app_version):
        raise InvalidParameterError(f"--metric tickets is sliced by app_version; got --by "
                                    f"{by.value} (by request type: 'applens tickets metrics "
                                    "--by type').")
    with open_workspace(workspace) as ws:
        span = data_span(ws.backend, "tickets")
        now = ws.now().replace(tzinfo=None)
        days = resolve_range(interval="day", zone=ZoneInfo("UTC"), week_start="monday",
                             now=min(now, span[1]) if span else now, date_from=date_from,
                             date_to=date_to, first_event=lambda: span[0] if span else None
                             ).periods
        # the range goes into the query: only its tickets are read, labelled and joined
        frame = daily_ticket_metrics(ws, by=by.value if by else None, since=days[0],
                                     until=days[-1] + timedelta(days=1))
    emit(readable_tickets(frame) if fmt is OutputFormat.table else frame, fmt,
         title="Tickets per day")
