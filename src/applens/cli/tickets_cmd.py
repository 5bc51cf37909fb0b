"""``applens tickets``: support tickets without labels (topics) and as product metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit
from applens.cli._registry import COMMANDS
from applens.cli._tickets_view import readable_tickets

if TYPE_CHECKING:
    import pandas as pd

tickets_app = typer.Typer(help="Support tickets: topics, daily metrics, release jumps.",
                          no_args_is_help=True)


@COMMANDS.register("tickets")
def register(app: typer.Typer) -> None:
    app.add_typer(tickets_app, name="tickets")


@tickets_app.command("topics")
def topics(
    k: Annotated[int | None, typer.Option(
        "--topics", "-k", help="Number of topics (default: about one per 40 tickets, 2-10).")
    ] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Group the tickets into topics with their top terms and example tickets (no labels
    needed).

    Example:

        applens tickets topics --topics 6
    """
    import pandas as pd

    from applens.text.data import load_tickets
    from applens.text.topics import find_topics

    ws = open_workspace(workspace)
    found = find_topics(load_tickets(ws, doing="group")["text"].tolist(), k)
    if fmt is OutputFormat.json:
        emit([t.__dict__ for t in found], fmt)
        return
    rows = pd.DataFrame([{"topic": t.topic, "tickets": t.tickets, "share": t.share,
                          "top terms": ", ".join(t.terms),
                          "examples": " | ".join(e[:120] for e in t.examples)} for t in found])
    emit(_shown(rows, fmt), fmt, title="Ticket topics")


@tickets_app.command("metrics")
def metrics(
    by: Annotated[str | None, typer.Option(
        help="Slice each day by type or app_version (the user's version at the ticket).")
    ] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Daily ticket volume and negative share (optionally by type or app_version).

    Example:

        applens tickets metrics --by app_version --format csv
    """
    from applens.errors import InvalidParameterError
    from applens.text.metrics import daily_ticket_metrics

    if by not in (None, "type", "app_version"):
        raise InvalidParameterError(f"--by {by}: choose type or app_version.")
    ws = open_workspace(workspace)
    emit(_shown(daily_ticket_metrics(ws, by=by), fmt), fmt, title="Tickets per day")


@tickets_app.command("releases")
def releases(workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """App versions whose tickets are negative significantly more often than the others'.

    Example:

        applens tickets releases
    """
    from applens.text.metrics import release_jumps

    ws = open_workspace(workspace)
    emit(_shown(release_jumps(ws), fmt), fmt, title="Negative share by app version")


def _shown(frame: pd.DataFrame, fmt: OutputFormat) -> pd.DataFrame:
    """Shares as percentages in a table; JSON and CSV keep the raw fractions."""
    return readable_tickets(frame) if fmt is OutputFormat.table else frame
