"""``applens query``: answer an insight spec against the workspace or plain files."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit
from applens.errors import QueryError, SourceError


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


def _file_backend(events: Path, users: Path | None) -> Any:
    """An in-memory DuckDB with the given files as ``events`` / ``users`` (ts read as UTC)."""
    import ibis

    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    for name, path in (("events", events), ("users", users)):
        if path is None:
            continue
        if not path.is_file():
            raise SourceError(f"--{name} file '{path}' does not exist.")
        suffix = "".join(path.suffixes).lower()
        reader = ("read_parquet" if ".parquet" in suffix
                  else "read_json_auto" if ".json" in suffix else "read_csv_auto")
        literal = str(path).replace("'", "''")
        try:
            con.raw_sql(f"CREATE TABLE {name} AS SELECT * FROM {reader}('{literal}')")
            for column in ("ts", "created_at"):
                kind = con.raw_sql(
                    "SELECT data_type FROM information_schema.columns "
                    f"WHERE table_name = '{name}' AND column_name = '{column}'"
                ).fetchone()
                if kind and kind[0] != "TIMESTAMP":  # ISO text, maybe with an offset
                    con.raw_sql(f"ALTER TABLE {name} ALTER {column} TYPE TIMESTAMP USING "
                                f"CAST(CAST({column} AS TIMESTAMPTZ) AS TIMESTAMP)")
        except Exception as exc:  # duckdb's own error types; shown with the file name
            raise SourceError(f"Cannot read --{name} file '{path}': {exc}") from None
    return con


def query(
    spec: Annotated[str, typer.Argument(help="Spec: a .json/.toml file, inline JSON, or - (stdin).")],
    events: Annotated[Path | None, typer.Option(
        "--events", help="Answer over this events file (CSV/Parquet/JSON) instead of a workspace.")] = None,
    users: Annotated[Path | None, typer.Option(
        "--users", help="Users file to go with --events (person properties, created_at).")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Answer an insight spec: active users, stickiness, lifecycle, retention, funnel, trends.

    Examples:
      applens query '{"kind": "active_users", "math": ["dau", "wau", "mau"], "date_from": "-30d"}'
      applens query funnel.json --format json
      applens query retention.toml --events events.parquet --users users.csv
    """
    from applens import insights

    model = insights.parse_spec(_load_spec(spec))
    if events is not None:
        result = insights.run(model, _file_backend(events, users))
    else:
        if users is not None:
            raise QueryError("--users goes with --events; a workspace has its own users table.")
        ws = open_workspace(workspace)
        try:
            result = insights.query(model, ws)
        finally:
            ws.close()
    emit(result, fmt, title=model.kind.replace("_", " "))
