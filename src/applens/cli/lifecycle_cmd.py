"""``applens lifecycle``: new / returning / resurrecting / dormant users per period."""

from __future__ import annotations

from typing import Annotated

import typer

from applens.cli._registry import COMMANDS
from applens.cli._shortcut import (
    Built,
    FromOption,
    Interval,
    IntervalOption,
    TimezoneOption,
    ToOption,
    common,
    shortcut,
)


@COMMANDS.register("lifecycle")
def register(app: typer.Typer) -> None:
    app.command("lifecycle")(lifecycle)


@shortcut(where=False)
def lifecycle(
    event: Annotated[str | None, typer.Option(
        "--event", help="The activity event (default: any event).")] = None,
    interval: IntervalOption = Interval.week,
    date_from: FromOption = "-8w",
    date_to: ToOption = None,
    timezone: TimezoneOption = None,
) -> Built:
    """Users per period by lifecycle status (new, returning, resurrecting, dormant).

    Example: applens lifecycle --interval week --from -12w --events events.parquet
    """
    spec = {"kind": "lifecycle", **({"event": event} if event else {}),
            **common(date_from=date_from, date_to=date_to, interval=interval,
                     timezone=timezone)}
    return spec
