"""``applens init``: create a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from applens.cli._output import console
from applens.cli._registry import COMMANDS
from applens.config import CONFIG_FILE
from applens.workspace import Workspace


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create (or reuse).")] = Path("."),
    timezone: Annotated[str | None, typer.Option(help="IANA timezone, e.g. Europe/Moscow.")] = None,
) -> None:
    """Create a workspace: applens.toml with commented defaults and a DuckDB warehouse.

    Example: applens init my-app && cd my-app && applens ingest events.csv
    """
    existed = (directory / CONFIG_FILE).exists()
    # An existing applens.toml is kept as it is: --timezone only goes into a new one.
    workspace = Workspace.init(directory, **({"timezone": timezone} if timezone and not existed
                                             else {}))
    workspace.close()
    verb = "Kept the existing" if existed else "Wrote"
    console.print(f"{verb} {workspace.path / CONFIG_FILE}")
    console.print(f"Warehouse: {workspace.warehouse_path}")
    console.print(f"Next: applens ingest FILE -w {directory}")


@COMMANDS.register("init")
def register(app: typer.Typer) -> None:
    app.command("init")(init)
