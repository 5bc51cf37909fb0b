"""How every command prints results: a Rich table by default, JSON or CSV on request."""

from __future__ import annotations

import csv
import io
import sys
from enum import Enum
from typing import Annotated, Any

import typer
from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from applens import formatting
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
    cells = [[formatting.cell(v, c) for c, v in zip(columns, row, strict=True)]
             for row in rows]
    table = Table(title=None if title is None else Text(title), show_lines=False)
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row_cells in cells:
        table.add_row(*(Text(v) for v in row_cells))
    if _least_width(columns, cells) <= console.width:
        console.print(table)  # Rich wraps long cells between words, never inside one
    else:
        console.print(_stacked(columns, cells, title))


def _least_width(columns: list[str], cells: list[list[str]]) -> int:
    """The narrowest the table can be without breaking a header or a word of a cell (Rich's
    default box: one border and two spaces of padding per column, one border to close)."""
    widths = [max(_longest_word(text) for text in [c, *(r[i] for r in cells)])
              for i, c in enumerate(columns)]
    return sum(w + 3 for w in widths) + 1


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def _stacked(columns: list[str], cells: list[list[str]], title: str | None) -> Group:
    """A narrow terminal's layout: one block per row of ``name: value`` lines."""
    width = max((len(c) for c in columns), default=0)
    blocks: list[Text] = [Text(title, style="bold")] if title else []
    for number, row_cells in enumerate(cells, 1):
        block = Text(f"#{number}\n" if len(cells) > 1 else "", style="dim")
        for column, value in zip(columns, row_cells, strict=True):
            block.append(f"{column:<{width}}", style="bold")
            block.append(f"  {value}\n")
        blocks.append(block)
    return Group(*blocks)
