"""``applens retention``: a cohort retention grid."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from applens.cli._common import WorkspaceOption
from applens.cli._output import FormatOption, OutputFormat
from applens.cli._registry import COMMANDS
from applens.cli.query_cmd import (
    EngineOption,
    EventsOption,
    FromOption,
    Interval,
    IntervalOption,
    ShowSpecOption,
    SliceOption,
    TimezoneOption,
    ToOption,
    UsersOption,
    WhereOption,
    answer,
    common,
)


@COMMANDS.register("retention")
def register(app: typer.Typer) -> None:
    app.command("retention")(retention)


def _first(result: Any, periods: int) -> Any:
    from applens.insights.retention import first_cohorts  # lazy, like answer(): no ibis at start

    return first_cohorts(result, periods)


def retention(
    start_event: Annotated[str | None, typer.Option(
        "--start-event", help="The event that puts a user in a cohort (default: any).")] = None,
    return_event: Annotated[str | None, typer.Option(
        "--return-event", help="The event that counts as coming back (default: start event).")
    ] = None,
    interval: IntervalOption = Interval.week,
    periods: Annotated[int, typer.Option(
        "--periods", min=1, max=1000,
        help="Cohorts (and columns) to show: at most this many, from --from on (or back "
        "from --to).")] = 8,
    first_time: Annotated[bool, typer.Option(
        "--first-time", help="Cohort by each user's first start event (default: recurring).")
    ] = False,
    hours_24: Annotated[bool, typer.Option(
        "--24h", help="Count returns in 24-hour windows after each user's start "
        "(7x24 h for weeks) instead of calendar periods.")] = False,
    cumulative: Annotated[bool, typer.Option(
        "--cumulative", help="Column k counts returns on or after period k.")] = False,
    by: SliceOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    timezone: TimezoneOption = None,
    show_spec: ShowSpecOption = False,
    where: WhereOption = None,
    events: EventsOption = None,
    users: UsersOption = None,
    engine: EngineOption = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Cohort retention: of the users who started in a period, how many came back later.

    Example: applens retention --interval day --periods 14 --24h --by source --events ev.csv
    """
    spec = {"kind": "retention", "total_intervals": periods,
            **common(date_from=date_from, date_to=date_to, interval=interval,
                     timezone=timezone, by=by)}
    if start_event:
        spec["target"] = {"event": start_event}
    if return_event:
        spec["returning"] = {"event": return_event}
    if first_time:
        spec["retention_type"] = "first_time"
    if hours_24:
        spec["time_window_mode"] = "24_hour_windows"
    if cumulative:
        spec["cumulative"] = True
    answer(spec, events=events, users=users, workspace=workspace, engine=engine, fmt=fmt,
           show_spec=show_spec, where=where, shape=lambda result: _first(result, periods))
