"""The command-line contract: help with examples, output formats, exit codes, settings."""

import csv
import io
import json

import pytest
import typer

from applens.cli import app


def command_paths(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = sorted(command_paths())


def test_help_lists_every_command(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for path in COMMANDS:
        assert path[0] in result.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(run_cli, path):
    result = run_cli(*path, "--help")
    assert result.exit_code == 0, result.stderr
    assert "example" in result.stdout.lower(), f"'applens {' '.join(path)} --help' has no example"


def test_user_error_is_one_line_and_exit_1(run_cli, tmp_path):
    result = run_cli("ingest", tmp_path / "missing.csv", "-w", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_usage_error_exits_2(run_cli):
    assert run_cli("ingest", "--no-such-option").exit_code == 2


def test_debug_shows_the_traceback(run_cli, tmp_path):
    (tmp_path / "applens.toml").write_text("")
    with pytest.raises(Exception, match="does not exist"):
        from applens.cli import main
        main(["--debug", "ingest", str(tmp_path / "missing.csv"), "-w", str(tmp_path)])


def test_ingest_prints_table_json_and_csv(run_cli, tmp_path):
    assert run_cli("init", tmp_path / "ws").exit_code == 0
    data = tmp_path / "e.csv"
    data.write_text("ts,user_id,event\n2024-06-01 10:00:00,u1,view\nnope,u2,view\n")
    table = run_cli("ingest", data, "-w", tmp_path / "ws", "--max-rejects", "100%")
    assert table.exit_code == 0 and "rejected" in table.stdout and "applens rejects" in table.stdout
    as_json = json.loads(run_cli("rejects", "-w", tmp_path / "ws", "--format", "json").stdout)
    assert as_json[0]["line"] == 3 and as_json[0]["column"] == "ts"
    as_csv = list(csv.DictReader(io.StringIO(
        run_cli("rejects", "-w", tmp_path / "ws", "--format", "csv").stdout)))
    assert as_csv[0]["value"] == "nope"


def test_config_show_precedence_argument_env_file_default(run_cli, tmp_path, monkeypatch):
    run_cli("init", tmp_path, "--timezone", "Europe/Moscow")
    rows = {r["setting"]: r for r in json.loads(
        run_cli("config", "show", "-w", tmp_path, "--format", "json").stdout)}
    assert rows["timezone"]["value"] == "Europe/Moscow"
    assert rows["timezone"]["source"].endswith("applens.toml")
    assert rows["session_gap_minutes"]["source"].endswith("applens.toml")
    assert rows["threads"]["source"] == "default"
    monkeypatch.setenv("APPLENS_TIMEZONE", "Asia/Tokyo")
    rows = {r["setting"]: r for r in json.loads(
        run_cli("config", "show", "-w", tmp_path, "--format", "json").stdout)}
    assert rows["timezone"] == {**rows["timezone"], "value": "Asia/Tokyo",
                                "source": "env APPLENS_TIMEZONE"}


def test_bad_settings_name_the_file_and_key(run_cli, tmp_path):
    (tmp_path / "applens.toml").write_text('week_start = "tuesday"\ntimezon = "UTC"\n')
    result = run_cli("config", "show", "-w", tmp_path)
    assert result.exit_code == 1
    assert "'week_start'" in result.stderr and "'timezon' unknown setting" in result.stderr
    assert "Did you mean 'timezone'" in result.stderr
