"""The CLI command registry: name -> a function that adds the command(s) to the app.

A command is one module ``applens/cli/NAME_cmd.py`` whose ``register(app)`` carries
``@COMMANDS.register("NAME")``; ``applens.cli`` imports every public module of the package
and calls each registered function in order, so nothing else is edited.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from applens.registry import Registry

__all__ = ["COMMANDS", "CommandAdder"]

CommandAdder = Callable[[typer.Typer], None]

COMMANDS: Registry[CommandAdder] = Registry(
    "command", hint="Run 'applens --help'.", discover="applens.cli")
