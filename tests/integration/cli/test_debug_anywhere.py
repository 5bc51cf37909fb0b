"""--debug is accepted anywhere on the command line (and APPLENS_DEBUG=1)."""

from __future__ import annotations

import pytest

from applens.cli import main
from applens.errors import ApplensError


@pytest.fixture
def missing(tmp_path):
    (tmp_path / "applens.toml").write_text("")
    return ["ingest", str(tmp_path / "missing.csv"), "-w", str(tmp_path)]


@pytest.mark.parametrize("where", ["first", "after-command", "last"])
def test_debug_anywhere_shows_the_traceback(missing, where):
    argv = {"first": ["--debug", *missing], "after-command": [missing[0], "--debug", *missing[1:]],
            "last": [*missing, "--debug"]}[where]
    with pytest.raises(ApplensError, match="does not exist"):
        main(argv)


def test_debug_from_the_environment(missing, monkeypatch):
    monkeypatch.setenv("APPLENS_DEBUG", "1")
    with pytest.raises(ApplensError, match="does not exist"):
        main(missing)


def test_without_debug_one_line_and_exit_1(run_cli, missing, monkeypatch):
    monkeypatch.delenv("APPLENS_DEBUG", raising=False)
    result = run_cli(*missing)
    assert result.exit_code == 1 and "Traceback" not in result.stderr


def test_debug_after_the_command_is_not_a_usage_error(run_cli, tmp_path):
    result = run_cli("init", tmp_path / "ws", "--debug")
    assert result.exit_code == 0, result.stderr
