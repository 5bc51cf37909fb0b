"""``applens demo``: the main job on generated data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from applens.cli._output import FormatOption, OutputFormat, console, emit, err_console
from applens.cli._registry import COMMANDS


def demo(
    directory: Annotated[Path, typer.Argument(help="Folder of the demo workspace.")] = Path(
        "applens-demo"),
    users: Annotated[int, typer.Option(min=200, help="People in the demo app.")] = 5_000,
    days: Annotated[int, typer.Option(min=21, help="Days of events.")] = 35,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same data).")] = 0,
    end_date: Annotated[str | None, typer.Option(
        help="Last day + 1 of the data, YYYY-MM-DD (default: today, UTC).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Build a demo workspace of a social app, ingest it and run every analysis.

    The data has planted effects (a campaign, an outage, an A/B test, bots, crashes,
    churners) listed in DIR/data/ground_truth.json; the findings say what applens found.

    Example: applens demo && applens query '{"kind": "active_users", "math": ["dau"]}' -w applens-demo
    """  # noqa: E501 - the example is a command line to copy; the docstring is the --help text
    from applens.demo.job import run_demo

    try:
        end = dt.date.fromisoformat(end_date) if end_date else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--end-date") from None
    with err_console.status("Starting") as status:
        result = run_demo(directory, users=users, days=days, seed=seed, end_date=end,
                          progress=lambda message: status.update(message))
        status.update("Writing the report")
        report_files = _write_report(directory)
    if fmt is not OutputFormat.table:
        emit(result.to_dict(), fmt)
        err_console.print(f"Report: {report_files.html}", soft_wrap=True)
        return
    emit([{"section": f.section, "finding": f.headline} for f in result.findings], fmt,
         title="applens demo")
    console.print(f"Workspace: {directory}  (try: applens config show -w {directory})")
    console.print(f"Results:   {directory / 'outputs'}/*.json")
    console.print(f"Planted:   {directory / 'data' / 'ground_truth.json'}")
    html, charts = (_shown(report_files.html, directory),
                    _shown(report_files.folder / "charts", directory))
    console.print(f"Report:    {html}  (PNG charts in {charts})", soft_wrap=True)


def _shown(path: Path, directory: Path) -> Path:
    """``path`` as the user named the workspace (relative when they gave a relative one)."""
    try:
        return directory / Path(path).resolve().relative_to(directory.resolve())
    except ValueError:
        return Path(path)


def _write_report(directory: Path):  # noqa: ANN202 (ReportFiles, imported lazily)
    """The HTML report of the demo workspace's last 28 complete days, in its default folder
    (the JS bundle is cached in the workspace, so a rerun does not rebuild it)."""
    from applens.report import build_report, write_report
    from applens.workspace import Workspace

    with Workspace.open(directory) as ws:
        return write_report(ws, build_report(ws))


@COMMANDS.register("demo")
def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
