"""Options and helpers shared by command modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from applens.workspace import Workspace

__all__ = ["WorkspaceOption", "open_workspace"]

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace", "-w", envvar="APPLENS_WORKSPACE", show_envvar=True,
        help="Workspace folder (default: the one containing the current folder).",
    ),
]


def open_workspace(path: Path | None, **overrides: object) -> Workspace:
    """The workspace a command works on (the nearest applens.toml by default)."""
    return Workspace.open(path, **{k: v for k, v in overrides.items() if v is not None})
