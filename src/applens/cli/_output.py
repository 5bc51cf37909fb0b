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
from rich.text import Text

from applens.serialize import dumps, to_jsonable

__all__ = ["FormatOption", "OutputFormat", "console", "emit", "err_console", "error", "note",
           "say", "to_jsonable", "warn"]

# Markup and emoji codes are off: every string printed is user-facing text (event names,
# file names, messages that quote "[mapping.events]"), printed exactly as written. Styles
# are given as ``style=`` (see ``say`` and friends), never inside the text.
console = Console(markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)


def say(text: str, *, style: str | None = None) -> None:
    """A line of output on stdout, as written (long lines are left to the terminal)."""
    console.print(Text(str(text), style=style or ""), soft_wrap=True)


def note(text: str) -> None:
    """A side remark on stdout (dim): what was guessed or derived."""
    say(text, style="dim")


def warn(text: str) -> None:
    """``Warning: <text>`` on stderr."""
    err_console.print(Text.assemble(("Warning:", "bold yellow"), " ", str(text)),
                      soft_wrap=True, highlight=False)


def error(text: str) -> None:
    """``Error: <text>`` on stderr (the one line a user error prints)."""
    err_console.print(Text.assemble(("Error:", "bold red"), " ", str(text)),
                      soft_wrap=True, highlight=False)


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
    table = Table(title=None if title is None else Text(title), show_lines=False)
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(v)) for v in row))
    console.print(table)
