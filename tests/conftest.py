"""Fixtures shared by every test tier."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from applens.workspace import Workspace
from tests.support.http_receiver import Receiver

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXED_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def shared_data() -> Path:
    """The real public datasets beside the checkout (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: tests expect ../shared beside the checkout")
    return SHARED_DATA


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh workspace in a temporary folder with the clock pinned to FIXED_NOW."""
    ws = Workspace.init(tmp_path / "ws", clock=lambda: FIXED_NOW)
    yield ws
    ws.close()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def invoke_cli(*args: object) -> CliResult:
    """Run ``applens ARGS`` in-process and capture exit code, stdout and stderr."""
    from applens.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """Run ``applens ARGS`` in-process and capture exit code, stdout and stderr."""
    return invoke_cli


@pytest.fixture
def http_receiver() -> Receiver:
    """A real HTTP server on 127.0.0.1; ``.url`` is the Apprise ``json://`` URL for it."""
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
