"""Square-bracket text ([mapping.events], [experiments.NAME]) is printed as written, never
taken for Rich markup: errors, warnings, notes, table cells and titles, and --help."""

from __future__ import annotations

import pytest

from applens.cli import _output
from applens.cli._output import OutputFormat, emit


def test_error_message_keeps_mapping_section(run_cli, tmp_path):
    assert run_cli("init", tmp_path / "ws").exit_code == 0
    data = tmp_path / "no_event.csv"
    data.write_text("ts,user_id\n2024-06-01 10:00:00,u1\n")
    result = run_cli("ingest", data, "-w", tmp_path / "ws")
    assert result.exit_code == 1
    assert result.stderr.lstrip().startswith("Error: ")
    assert "[mapping.events]" in result.stderr, result.stderr


def test_usage_conflict_keeps_experiments_section(run_cli, tmp_path):
    assert run_cli("init", tmp_path / "ws").exit_code == 0
    result = run_cli("ab", "analyze", "--experiment", "checkout", "--metric", "x",
                     "-w", tmp_path / "ws")
    assert result.exit_code == 1
    assert "[experiments.checkout]" in result.stderr, result.stderr


@pytest.mark.parametrize("helper, stream", [
    (_output.say, "out"), (_output.note, "out"), (_output.warn, "err"), (_output.error, "err")])
def test_every_print_helper_keeps_brackets(capsys, helper, stream):
    helper("see [mapping.events] and [bold]x[/] and :smile: and [[sources]]")
    captured = capsys.readouterr()
    text = captured.out if stream == "out" else captured.err
    assert "see [mapping.events] and [bold]x[/] and :smile: and [[sources]]" in text, text


def test_table_cells_and_titles_keep_brackets(capsys):
    emit([{"section": "[experiments.NAME]", "value": "[red]x[/red]"}], OutputFormat.table,
         title="[mapping.events]")
    out = capsys.readouterr().out
    assert "[experiments.NAME]" in out and "[red]x[/red]" in out
    assert "[mapping.events]" in out


def test_help_text_keeps_brackets(run_cli):
    result = run_cli("ab", "list", "--help")
    assert "([experiments.NAME] tables)" in result.stdout, result.stdout
    result = run_cli("ingest", "--help")
    assert "[[sources]]" in result.stdout, result.stdout
