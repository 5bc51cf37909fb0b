"""The ``applens`` command line: a thin shell over ``Workspace``.

Every command module defines its own Typer app or command and registers it in
``applens.cli._registry.COMMANDS``. User
errors (``ApplensError``) print one line ``Error: …`` and exit 1; usage errors exit 2;
``--debug`` (or ``APPLENS_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import os
import sys

import click
import typer
from rich.markup import escape

from applens import __version__
from applens.cli._output import err_console, error
from applens.cli._registry import COMMANDS
from applens.errors import ApplensError

app = typer.Typer(
    name="applens",
    help="Product analytics and app-health monitoring for mobile and web apps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"applens {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug",
        help="Show tracebacks for errors (anywhere on the line; or APPLENS_DEBUG=1)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Product analytics and app-health monitoring for mobile and web apps."""


def _register() -> None:
    """Every ``applens/cli/*_cmd.py`` module registers its ``register(app)`` in ``COMMANDS``
    (the registry imports them all); each adds its commands to the app, by name (a command
    module may import another, so import order is no guide)."""
    for name in sorted(COMMANDS):
        COMMANDS[name](app)


_register()


def _take_debug(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--debug`` (accepted anywhere before ``--``), and whether the
    traceback was asked for (``--debug`` or ``APPLENS_DEBUG=1``)."""
    end = argv.index("--") if "--" in argv else len(argv)
    head = argv[:end]
    rest = [a for a in head if a != "--debug"] + argv[end:]
    wanted = len(rest) < len(argv) or os.environ.get("APPLENS_DEBUG", "") not in ("", "0")
    return rest, wanted


def _literal_help(command: click.Command) -> click.Command:
    """Help texts are Rich markup to typer; escape them so "[experiments.NAME]" or
    "[[sources]]" in a docstring or option help is shown, not taken for a style."""
    for item in (command, *command.params):
        for attr in ("help", "short_help"):
            text = getattr(item, attr, None)
            if isinstance(text, str):
                setattr(item, attr, escape(text))
    for sub in getattr(command, "commands", {}).values():
        _literal_help(sub)
    return command


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    argv, debug = _take_debug(list(sys.argv[1:] if argv is None else argv))
    command = _literal_help(typer.main.get_command(app))
    try:
        code = command.main(args=argv, prog_name="applens", standalone_mode=False)
    except ApplensError as exc:
        if debug:
            raise
        error(str(exc))
        sys.exit(1)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors (typer vendors its own click)
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        err_console.print("Interrupted: nothing was changed by the unfinished step.")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
