"""``applens digest``: the daily digest of one day, saved and optionally sent."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, console, emit, err_console
from applens.cli._registry import COMMANDS
from applens.errors import ApplensError


def digest(
    date: Annotated[str | None, typer.Option(
        "--date", help="The day, YYYY-MM-DD (default: yesterday in the workspace timezone).")
    ] = None,
    send: Annotated[bool, typer.Option(
        "--send", help="Also send it to the [notify] channels (PNG charts attached).")] = False,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Key numbers of one day (DAU, events, new users, sessions, crash rate) against the day
    before and the same weekday last week, with 7-day charts, saved in WS/digests/DATE/.

    Example: applens digest --date 2026-11-20 --send -w applens-demo
    """
    from applens.report.digest import build_digest, send_digest

    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    with open_workspace(workspace) as ws:
        with err_console.status("Building the digest"):
            built = build_digest(ws, day)
        if fmt is not OutputFormat.table:
            emit(built.to_dict(), fmt)
        else:
            emit([{"metric": m.label, "value": m.text(m.value),
                   "vs day before": m.change_text(m.vs_previous_day),
                   "vs last week": m.change_text(m.vs_last_week)} for m in built.metrics],
                 fmt, title=built.title)
            console.print(f"Saved: {built.markdown} (+ {len(built.charts)} PNG charts)")
        if send:
            try:
                delivery = send_digest(ws, built)
            except ApplensError as exc:
                raise type(exc)(f"{exc} The digest is saved in {built.folder}.") from None
            err_console.print(f"Sent to {len(delivery.sent)} channel(s).")


@COMMANDS.register("digest")
def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
