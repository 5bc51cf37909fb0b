"""``applens lifecycle``: new / returning / resurrecting / dormant users per period."""

from __future__ import annotations

from typing import Annotated

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
    TimezoneOption,
    ToOption,
    UsersOption,
    answer,
    common,
)


@COMMANDS.register("lifecycle")
def register(app: typer.Typer) -> None:
    app.command("lifecycle")(lifecycle)


def lifecycle(
    event: Annotated[str | None, typer.Option(
        "--event", help="The activity event (default: any event).")] = None,
    interval: IntervalOption = Interval.week,
    date_from: FromOption = "-8w",
    date_to: ToOption = None,
    timezone: TimezoneOption = None,
    show_spec: ShowSpecOption = False,
    events: EventsOption = None,
    users: UsersOption = None,
    engine: EngineOption = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Users per period by lifecycle status (new, returning, resurrecting, dormant).

    Example: applens lifecycle --interval week --from -12w --events events.parquet
    """
    spec = {"kind": "lifecycle", **({"event": event} if event else {}),
            **common(date_from=date_from, date_to=date_to, interval=interval,
                     timezone=timezone)}
    answer(spec, events=events, users=users, workspace=workspace, engine=engine, fmt=fmt,
           show_spec=show_spec)
