"""How every command prints results: a Rich table by default, JSON or CSV on request."""

from __future__ import annotations

import csv
import io
import sys
from enum import Enum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from applens.serialize import dumps, to_jsonable

__all__ = ["FormatOption", "OutputFormat", "console", "emit", "err_console", "to_jsonable"]

console = Console()
err_console = Console(stderr=True)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="How to print results: table, json or csv."),
]


def _rows(data: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a DataFrame, a list of dicts or a result with ``to_frame``."""
    if hasattr(data, "to_frame") and not hasattr(data, "columns"):
        data = data.to_frame()
    if hasattr(data, "columns") and hasattr(data, "itertuples"):  # pandas
        columns = [str(c) for c in data.columns]
        return columns, [list(r) for r in data.itertuples(index=False, name=None)]
    if isinstance(data, dict):
        return ["key", "value"], [[k, v] for k, v in data.items()]
    records = list(data)
    columns = list(dict.fromkeys(k for r in records for k in r))
    return columns, [[r.get(c) for c in columns] for r in records]


def _cell(value: Any) -> str:
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def emit(data: Any, fmt: OutputFormat = OutputFormat.table, *, title: str | None = None) -> None:
    """Print ``data`` in the requested format to stdout."""
    if fmt is OutputFormat.json:
        payload = data.to_dict() if hasattr(data, "to_dict") and hasattr(data, "to_frame") else data
        sys.stdout.write(dumps(payload) + "\n")
        return
    columns, rows = _rows(data)
    if fmt is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else v for v in map(to_jsonable, row)]
                          for row in rows])
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
