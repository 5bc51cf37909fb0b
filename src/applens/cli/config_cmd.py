"""``applens config show``: effective settings and where each came from."""

from __future__ import annotations

import json

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit
from applens.cli._registry import COMMANDS
from applens.config import Settings

config_app = typer.Typer(help="Inspect workspace settings.", no_args_is_help=True)


@config_app.command("show")
def show(workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Print every setting, its effective value and its source.

    Example: APPLENS_TIMEZONE=Europe/Berlin applens config show
    """
    ws = open_workspace(workspace)
    rows = []
    for name, field in Settings.model_fields.items():
        value = getattr(ws.settings, name)
        if isinstance(value, list | dict):
            value = json.dumps([v.model_dump(exclude_none=True) if hasattr(v, "model_dump")
                                else v for v in value]
                               if isinstance(value, list) else value)
        rows.append({"setting": name, "value": value, "source": ws.provenance[name],
                     "meaning": field.description or ""})
    emit(rows, fmt, title=f"Settings of {ws.path}")


@COMMANDS.register("config")
def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
