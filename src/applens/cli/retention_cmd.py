"""``applens retention``: a cohort retention grid."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from applens.cli._registry import COMMANDS
from applens.cli._shortcut import (
    Built,
    FromOption,
    Interval,
    IntervalOption,
    SliceOption,
    TimezoneOption,
    ToOption,
    common,
    shortcut,
)


@COMMANDS.register("retention")
def register(app: typer.Typer) -> None:
    app.command("retention")(retention)


def _first(result: Any, periods: int) -> Any:
    from applens.insights.retention import first_cohorts  # lazy, like answer(): no ibis at start

    return first_cohorts(result, periods)


@shortcut()
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
) -> Built:
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
    return spec, lambda result: _first(result, periods)
