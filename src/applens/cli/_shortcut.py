"""What the insight commands share: their options, declared once, and the answering of a spec.

``applens query`` takes a spec; each shortcut (``metrics``, ``retention``, ``lifecycle``,
``funnel``) builds one from its own options and is made a command by ``@shortcut``, which
adds the options every shortcut takes (``--show-spec``, ``--where``, ``--events``,
``--users``, ``--engine``, ``--workspace``, ``--format``) and answers the spec.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit, err_console, warn
from applens.errors import QueryError, SourceError
from applens.ingest.mapping import parse_map_options
from applens.ingest.scratch import scratch_warehouse

__all__ = [
    "EngineOption", "EventsOption", "FromOption", "Interval", "IntervalOption", "MapOption",
    "MaxRejectsOption", "PresetOption", "ShowSpecOption", "Slice", "SliceOption",
    "TimezoneOption", "ToOption", "UsersOption", "WhereOption", "answer", "common", "shortcut",
]


class Interval(str, Enum):
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"


EngineOption = Annotated[str | None, typer.Option(
    "--engine", help="Where to run: duckdb, chdb (embedded ClickHouse), spark (local) or a "
    "clickhouse://user:pass@host:8123/db server (default: the workspace's 'engine' setting).")]
EventsOption = Annotated[Path | None, typer.Option(
    "--events", help="Answer over this events file (CSV/Parquet/JSON) instead of a workspace.")]
UsersOption = Annotated[Path | None, typer.Option(
    "--users", help="Users file to go with --events (person properties, created_at).")]
MapOption = Annotated[list[str] | None, typer.Option(
    "--map", "-m", help="With --events: canonical=source column, as for 'applens ingest' "
    "(e.g. ts=date+time, event=const:purchase).")]
PresetOption = Annotated[str | None, typer.Option(
    "--preset", help="With --events: read a log format, e.g. combined-log.")]
MaxRejectsOption = Annotated[str | None, typer.Option(
    "--max-rejects", help="With --events: fail above N rejected rows or P% (default 1%).")]
ShowSpecOption = Annotated[bool, typer.Option(
    "--show-spec", help="Print the spec as JSON (for 'applens query') instead of running it.")]
WhereOption = Annotated[str | None, typer.Option(
    "--where", help="Use only the events where this SQL condition holds, e.g. 'Quantity > 0' "
    "(the spec's where).")]


def answer(
    spec: dict[str, Any],
    *,
    events: Path | None,
    users: Path | None,
    workspace: Path | None,
    engine: str | None,
    fmt: OutputFormat,
    show_spec: bool = False,
    shape: Callable[[Any], Any] | None = None,
    where: str | None = None,
    maps: list[str] | None = None,
    preset: str | None = None,
    max_rejects: str | None = None,
    explain: bool = False,
) -> None:
    """Run ``spec`` (or print it with ``show_spec``): the body of ``query`` and its shortcuts;
    ``shape`` trims the result before it is printed (``retention --periods``) and ``where``
    (``--where``) becomes the spec's ``where``."""
    from applens import insights

    if where is not None:
        spec = {**spec, "where": where}

    model = insights.parse_spec(spec)  # a bad spec fails the same way with --show-spec
    if show_spec:
        typer.echo(json.dumps(model.model_dump(mode="json", exclude_defaults=True), indent=2))
        return
    if events is not None:
        for flag, path in (("events", events), ("users", users)):
            if path is not None and not path.is_file():
                raise SourceError(f"--{flag} file '{path}' does not exist.")
        with scratch_warehouse({"events": events, "users": users},
                               mapping=parse_map_options(maps or []), preset=preset,
                               max_rejects=max_rejects) as scratch:
            for summary in scratch.summaries:
                if summary.rows_rejected:
                    reasons = "; ".join(f"{n} × {why}" for why, n in summary.top_reasons.items())
                    warn(f"{summary.source}: {summary.rows_rejected} of {summary.rows_read} "
                         f"rows rejected ({reasons}); 'applens ingest' keeps them for "
                         "inspection.")
                for warning in summary.warnings:
                    warn(warning)
            # DuckDB answers from the scratch warehouse itself (memory limit, spill folder);
            # other engines get a copy of its tables.
            if engine in (None, "duckdb"):
                result = insights.query(model, scratch.workspace)
            else:
                result = insights.query(model, scratch.tables(), engine=engine)
    else:
        if users is not None:
            raise QueryError("--users goes with --events; a workspace has its own users table.")
        if maps or preset:
            raise QueryError("--map and --preset go with --events; a workspace's tables are "
                             "already mapped.")
        ws = open_workspace(workspace)
        try:
            result = insights.query(model, ws, engine=engine)
        finally:
            ws.close()
    if shape is not None:
        result = shape(result)
    shown = result.display_frame() if fmt is OutputFormat.table else result
    emit(shown, fmt, title=model.kind.replace("_", " "))
    for line in result.notes:  # on stderr, so --format json|csv stays parseable
        err_console.print(line, soft_wrap=True, highlight=False)
    if explain:
        err_console.print(result.explain(), soft_wrap=True, highlight=False)


class Slice(str, Enum):
    os = "os"
    gender = "gender"
    age_group = "age_group"
    country = "country"
    city = "city"
    source = "source"
    app_version = "app_version"


# Where each slice lives: event columns (schema.EVENTS) or person columns (schema.USERS);
# age groups bucket users.age.
AGE_BINS = [18, 25, 35, 45, 55, 65]
_PERSON_SLICES = {"gender", "age_group"}

SliceOption = Annotated[Slice | None, typer.Option(
    "--by", help="Slice by os, gender, age_group, country, city, source or app_version.")]
FromOption = Annotated[str | None, typer.Option(
    "--from", help="Start: ISO date, -7d/-4w/-3m or 'all'.")]
ToOption = Annotated[str | None, typer.Option("--to", help="End: ISO date or -Nd (default now).")]
IntervalOption = Annotated[Interval, typer.Option("--interval", help="hour, day, week or month.")]
TimezoneOption = Annotated[str | None, typer.Option(
    "--tz", help="IANA timezone for periods (default: the workspace's).")]


def breakdown(by: Slice | None) -> dict[str, Any] | None:
    """The spec ``breakdown`` for a ``--by`` slice."""
    if by is None:
        return None
    if by is Slice.age_group:
        return {"type": "person", "property": "age", "bins": AGE_BINS}
    return {"type": "person" if by.value in _PERSON_SLICES else "event", "property": by.value}


def common(*, date_from: str | None, date_to: str | None, interval: Interval | None = None,
           timezone: str | None = None, by: Slice | None = None) -> dict[str, Any]:
    """Spec fields every shortcut shares (unset options are left out)."""
    fields: dict[str, Any] = {"date_from": date_from, "date_to": date_to,
                              "timezone": timezone, "breakdown": breakdown(by)}
    if interval is not None:
        fields["interval"] = interval.value
    return {k: v for k, v in fields.items() if v is not None}


# The options every shortcut takes after its own, in this order: (name, option, default).
_SHARED: tuple[tuple[str, Any, Any], ...] = (
    ("show_spec", ShowSpecOption, False),
    ("where", WhereOption, None),
    ("events", EventsOption, None),
    ("users", UsersOption, None),
    ("engine", EngineOption, None),
    ("workspace", WorkspaceOption, None),
    ("fmt", FormatOption, OutputFormat.table),
)

Built = dict[str, Any] | tuple[dict[str, Any], Callable[[Any], Any]]


def shortcut(*, where: bool = True) -> Callable[[Callable[..., Built]], Callable[..., None]]:
    """Make ``build(**own options) -> spec`` (or ``(spec, shape)``) a command: its signature
    gains the shared options (``--where`` only when ``where``) and the spec is answered."""
    shared = [item for item in _SHARED if where or item[0] != "where"]

    def decorate(build: Callable[..., Built]) -> Callable[..., None]:
        own = list(inspect.signature(build, eval_str=True).parameters.values())
        params = own + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                          annotation=option, default=default)
                        for name, option, default in shared]

        @functools.wraps(build)
        def command(**values: Any) -> None:
            source = {name: values.pop(name) for name, _, _ in shared}
            built = build(**values)
            spec, shape = built if isinstance(built, tuple) else (built, None)
            answer(spec, shape=shape, **source)

        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate
