"""``applens report``: the HTML report with PNG charts and a console summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import console, err_console
from applens.cli._registry import COMMANDS


def _date(value: str | None, hint: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint=hint) from None


def report(
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for report.html and charts/.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write a self-contained HTML report (interactive offline), PNG charts and a summary.

    Example: applens report --from 2026-10-25 --to 2026-11-21 --out report -w applens-demo
    """
    from applens.report import build_report, default_period, write_report
    from applens.report.console import print_summary

    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    with open_workspace(workspace) as ws, err_console.status("Building the report"):
        period = default_period(ws, date_from=start, date_to=end)
        built = build_report(ws, period)
        files = write_report(ws, built, out)
    print_summary(built, console, files)


@COMMANDS.register("report")
def register(app: typer.Typer) -> None:
    app.command("report")(report)
