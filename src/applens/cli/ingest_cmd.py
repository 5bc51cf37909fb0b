"""``applens ingest`` and ``applens rejects``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit, err_console, note, say, warn
from applens.cli._registry import COMMANDS
from applens.errors import ConfigError
from applens.ingest import IngestSummary, ingest_many
from applens.ingest.mapping import parse_map_options


class _Bar:
    """A Rich progress bar fed by the loader: fraction done, estimated rows, rows per second."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}", style="bold", markup=False), BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"), TextColumn("~{task.fields[rows]:,} rows"),
            TextColumn("{task.fields[speed]:,.0f} rows/s"),
            TimeElapsedColumn(), console=err_console, transient=True,
        )
        self.tasks: dict[str, int] = {}
        self.started: dict[str, float] = {}

    def __call__(self, label: str, fraction: float, estimate: int) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(Path(label).name, total=1.0, rows=0, speed=0)
            self.started[label] = time.monotonic()
        rows = int(fraction * estimate)
        speed = rows / max(time.monotonic() - self.started[label], 1e-6)
        self.progress.update(self.tasks[label], completed=fraction, rows=rows, speed=speed)


def ingest(
    sources: Annotated[list[str] | None, typer.Argument(
        help="Files (CSV/TSV, Parquet, JSON, JSON Lines; .gz too) or database URLs "
             "(postgresql://…, mysql://…). Default: [[sources]] in applens.toml.")] = None,
    table: Annotated[str, typer.Option(
        "--table", "-t", help="events, users, tickets or memberships.")] = "events",
    maps: Annotated[list[str] | None, typer.Option(
        "--map", "-m", help="canonical=source column; join columns with +, e.g. ts=date+time; "
        "one value for every row with const:, e.g. event=const:purchase."
    )] = None,
    where: Annotated[str | None, typer.Option(
        "--where", help="Load only rows where this SQL condition on the source's columns "
        "holds, e.g. 'Quantity > 0'; the rest are counted as filtered, not rejected.")] = None,
    input_format: Annotated[str | None, typer.Option(
        "--input-format", help="Read as csv, parquet or json whatever the file name says.")] = None,
    max_rejects: Annotated[str | None, typer.Option(
        help="Fail (and change nothing) above N rejected rows or P%, e.g. 100 or 1%.")] = None,
    ts_format: Annotated[str | None, typer.Option(
        help="strptime layout of ts, e.g. '%d/%m/%Y %H:%M'.")] = None,
    db_table: Annotated[str | None, typer.Option(
        help="Table to read from a database URL.")] = None,
    query: Annotated[str | None, typer.Option(
        help="SQL query to read from a database URL.")] = None,
    preset: Annotated[str | None, typer.Option(
        help="Read a log format line by line: combined-log (Apache/Nginx access logs).")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load files or database tables into the workspace, validating every row.

    Rows with bad values are kept in the rejects table (see 'applens rejects'); the same
    file twice adds nothing; a failed or interrupted ingest changes nothing.

    Examples:
      applens ingest events.csv users.parquet --table events
      applens ingest access.csv --map ts=date+time --map event=path --max-rejects 1%
      applens ingest postgresql://postgres@127.0.0.1/app --db-table events
      applens ingest access.log --preset combined-log
      applens ingest orders.parquet --map ts=InvoiceDate --map "user_id=Customer ID"
        --map event=const:purchase --where 'Quantity > 0'
    """
    if input_format is not None and input_format not in ("csv", "parquet", "json"):
        raise typer.BadParameter("must be csv, parquet or json", param_hint="--input-format")
    ws = open_workspace(workspace)
    if not sources:
        configured = [s for s in ws.settings.sources if s.target == table]
        if not configured:
            raise ConfigError(
                f"Nothing to ingest: pass a file, or add [[sources]] with target = '{table}' "
                f"to {ws.path / 'applens.toml'}."
            )
        summaries = []
        for source in configured:
            location = source.url or str(ws.path / source.path) if source.url or source.path else ""
            summaries += _run(ws, [location], table, maps, source.format or input_format,
                              max_rejects, ts_format, source.table or db_table,
                              source.query or query, source.preset or preset, where)
    else:
        summaries = _run(ws, sources, table, maps, input_format, max_rejects, ts_format,
                         db_table, query, preset, where)
    _report(summaries, fmt)


def _run(ws, sources, table, maps, input_format, max_rejects, ts_format, db_table, query,
         preset=None, where=None) -> list[IngestSummary]:  # noqa: ANN001
    bar = _Bar()
    with bar.progress:
        return ingest_many(
            ws, sources, table=table, mapping=parse_map_options(maps or []), fmt=input_format,
            max_rejects=max_rejects, ts_format=ts_format, db_table=db_table, query=query,
            progress=bar, preset=preset, where=where,
        )


def _report(summaries: list[IngestSummary], fmt: OutputFormat) -> None:
    for warning in (w for s in summaries for w in s.warnings):
        warn(warning)
    if fmt is not OutputFormat.table:
        emit([s.to_dict() for s in summaries], fmt)
        return
    rows = [{
        "source": s.source, "table": s.table, "format": s.format,
        "read": s.rows_read, "loaded": s.rows_loaded, "rejected": s.rows_rejected,
        "filtered": s.rows_filtered,
        "note": (f"already ingested (#{s.skipped_as_duplicate_of}); nothing added"
                 if s.skipped_as_duplicate_of else f"ingest #{s.ingest_id}, {s.seconds:.1f}s"),
    } for s in summaries]
    emit(rows, fmt, title="Ingest")
    for s in summaries:
        for canonical, source in s.guessed.items():
            note(f"{Path(s.source).name}: mapped {canonical} <- {source!r} "
                 f"(by name; override with --map {canonical}=COLUMN)")
        if s.sessions_derived:
            note(f"{Path(s.source).name}: no session_id column; sessions derived "
                 "from the inactivity gap")
        if s.rows_rejected:
            reasons = "; ".join(f"{n} × {why}" for why, n in s.top_reasons.items())
            say(f"{s.rows_rejected} rows rejected ({reasons}). "
                f"See them with: applens rejects --ingest {s.ingest_id}", style="yellow")


def rejects(
    ingest_id: Annotated[int | None, typer.Option("--ingest", help="Only this ingest.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many rows.")] = 50,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List rejected rows: file, line, column, value and why.

    Example: applens rejects --ingest 3 --format csv > rejects.csv
    """
    ws = open_workspace(workspace)
    if not ws.has_table("rejects"):
        emit([], fmt, title="Rejects")
        return
    where, params = ("WHERE ingest_id = ?", [ingest_id]) if ingest_id is not None else ("", [])
    frame = ws.connection.execute(
        f'SELECT ingest_id, source, line, "column", value, reason FROM rejects {where} '
        f"ORDER BY ingest_id, line LIMIT {int(limit)}", params).df()
    emit(frame, fmt, title="Rejects")


@COMMANDS.register("ingest")
def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("rejects")(rejects)
