"""``applens query``: answer an insight spec against the workspace or plain files."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from applens.cli._common import WorkspaceOption
from applens.cli._output import FormatOption, OutputFormat
from applens.cli._registry import COMMANDS
from applens.cli._shortcut import (
    EngineOption,
    EventsOption,
    MapOption,
    MaxRejectsOption,
    PresetOption,
    UsersOption,
    answer,
)
from applens.errors import QueryError


@COMMANDS.register("query")
def register(app: typer.Typer) -> None:
    app.command("query")(query)


def _load_spec(text: str) -> dict[str, Any]:
    """A spec from a .json/.toml file, inline JSON, or '-' (stdin)."""
    if text == "-":
        raw, name = sys.stdin.read(), "<stdin>"
    elif text.lstrip().startswith("{"):
        raw, name = text, "<argument>"
    else:
        path = Path(text)
        if not path.is_file():
            raise QueryError(f"Spec file '{text}' does not exist (pass a path, inline JSON or -).")
        raw, name = path.read_text(encoding="utf-8"), str(path)
        if path.suffix.lower() == ".toml":
            try:
                return tomllib.loads(raw)
            except tomllib.TOMLDecodeError as exc:
                raise QueryError(f"{name} is not valid TOML: {exc}.") from None
    try:
        spec = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise QueryError(f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    if not isinstance(spec, dict):
        raise QueryError(f"{name}: a spec is a JSON object with a 'kind'.")
    return spec


def query(
    spec: Annotated[str, typer.Argument(
        help="Spec: a .json/.toml file, inline JSON, or - (stdin).")],
    events: EventsOption = None,
    users: UsersOption = None,
    engine: EngineOption = None,
    maps: MapOption = None,
    preset: PresetOption = None,
    max_rejects: MaxRejectsOption = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Say which path answered (the rollups or a scan of the events) "
        "and why, on stderr.")] = False,
) -> None:
    """Answer an insight spec: active users, stickiness, lifecycle, retention, funnel, trends.

    With --events FILE the file is read as 'applens ingest' reads it (same --map, --preset
    and rejects) instead of a workspace.

    Examples:
      applens query '{"kind": "active_users", "math": ["dau", "wau", "mau"], "date_from": "-30d"}'
      applens query funnel.json --format json
      applens query retention.toml --events events.parquet --users users.csv --engine chdb
      applens query funnel.json --events orders.csv --map ts=InvoiceDate --map user_id=Customer
      applens query lifecycle.json --explain
    """
    answer(_load_spec(spec), events=events, users=users, workspace=workspace, engine=engine,
           fmt=fmt, maps=maps, preset=preset, max_rejects=max_rejects, explain=explain)
