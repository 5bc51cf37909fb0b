"""``applens etl``: materialise metrics by slice into a table ([etl.NAME] in applens.toml)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from applens import formatting
from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit, err_console, note, say
from applens.cli._registry import COMMANDS

etl_app = typer.Typer(
    help="Materialised metrics by slice: run [etl.NAME] jobs into a table (warehouse, "
         "PostgreSQL, MySQL/MariaDB, ClickHouse).",
    no_args_is_help=True,
)


@COMMANDS.register("etl")
def register(app: typer.Typer) -> None:
    app.add_typer(etl_app, name="etl")


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint=option) from None


@etl_app.command("run")
def run_cmd(
    name: Annotated[str, typer.Argument(help="The job: [etl.NAME] in applens.toml.")],
    date: Annotated[str | None, typer.Option(
        "--date", help="The local day (YYYY-MM-DD) to compute; its rows are replaced in one "
        "transaction. Default: yesterday (workspace timezone).")] = None,
    date_from: Annotated[str | None, typer.Option(
        "--from", help="Backfill from this day (with --to); dates already done are skipped, "
        "so an interrupted backfill resumes.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Backfill to this day.")] = None,
    redo: Annotated[bool, typer.Option(
        "--redo", help="Backfill: recompute dates already done too (late data).")] = False,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Compute a job for one date (re-running it is safe: the date is replaced), or backfill
    a range with a progress bar.

    Example: applens etl run daily_slices --date 2026-11-21 -w applens-demo
    """
    from applens.etl import backfill, get_job, run_date

    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if (start is None) != (end is None):
        raise typer.BadParameter("give --from and --to together", param_hint="--from/--to")
    if start is not None and date is not None:
        raise typer.BadParameter("give either --date or --from/--to", param_hint="--date")
    with open_workspace(workspace) as ws:
        job = get_job(ws, name)
        if start is None or end is None:
            day = _day(date, "--date") or ws.yesterday()
            with err_console.status(f"Computing {name} for {day}"):
                one = run_date(ws, job, day)
            _report([one.to_dict()], fmt)
            return
        total = (end - start).days + 1
        columns = (TextColumn("{task.description}", markup=False), BarColumn(),
                   MofNCompleteColumn(), TextColumn("{task.fields[day]}", markup=False),
                   TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=True,
                      disable=not err_console.is_terminal) as bar:
            task = bar.add_task(name, total=total, day="")

            def step(day: dt.date, state: str) -> None:
                bar.update(task, advance=1, day=f"{day} {state}")

            result = backfill(ws, job, start, end, redo=redo, progress=step)
    if result.skipped and fmt is OutputFormat.table:
        note(f"{formatting.count(len(result.skipped))} dates already done, skipped "
             "(--redo recomputes them).")
    _report([r.to_dict() for r in result.done], fmt)


def _report(rows: list[dict[str, Any]], fmt: OutputFormat) -> None:
    if fmt is not OutputFormat.table:
        emit(rows, fmt)
        return
    for r in rows:
        say(f"{r['job']} {r['date']}: {formatting.count(r['rows'])} rows → {r['target']} "
            f"table {r['table']}")


@etl_app.command("list")
def list_cmd(workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """ETL jobs declared in applens.toml ([etl.NAME] tables), validated.

    Example: applens etl list
    """
    from applens.etl import jobs

    with open_workspace(workspace) as ws:
        declared = jobs(ws)
    if not declared and fmt is OutputFormat.table:
        say("No ETL jobs declared; add an [etl.NAME] table to applens.toml "
            "(see README: applens etl).")
        return
    emit([{"job": j.name, "metrics": len(j.metrics), "dimensions": len(j.dims),
           "grain": j.grain, "target": j.target_label, "table": j.table_name,
           "schedule": j.schedule} for j in declared.values()], fmt)


@etl_app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="The job: [etl.NAME] in applens.toml.")],
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A job's metrics, dimensions, target and the dates already written.

    Example: applens etl show daily_slices
    """
    from applens.etl import get_job, open_target

    with open_workspace(workspace) as ws:
        job = get_job(ws, name)
        target = open_target(ws, job)
        try:
            done = sorted(target.done_dates(job))
        finally:
            target.close()
    info = {"job": job.name, "grain": job.grain, "target": job.target_label,
            "table": job.table_name, "wide_view": job.view_name, "schedule": job.schedule,
            "metrics": [m.name for m in job.metrics], "dimensions": [
                d.name if d.bins is None else f"{d.name} ({d.property} bins "
                f"{', '.join(map(str, d.bins))})" for d in job.dims],
            "dates_done": [d.isoformat() for d in done]}
    if fmt is not OutputFormat.table:
        emit(info, fmt)
        return
    for key, value in info.items():
        if key == "dates_done":
            value = (f"{formatting.count(len(done))} ({done[0]} … {done[-1]})" if done
                     else "none yet")
        say(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
