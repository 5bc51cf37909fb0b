"""The insight shortcuts take the options they share with ``query`` from one declaration:
the same flags, help text and defaults everywhere, each after the command's own options."""

from __future__ import annotations

import typer

from applens.cli import app

SHORTCUTS = ("metrics", "retention", "lifecycle", "funnel")
SHARED = ("--show-spec", "--where", "--events", "--users", "--engine", "--workspace", "--format")


def _options(name: str) -> dict[str, tuple[str | None, object]]:
    command = typer.main.get_command(app).commands[name]
    return {param.opts[0]: (param.help, param.default) for param in command.params
            if param.opts[0].startswith("--")}


def test_shortcuts_share_their_options_with_query_word_for_word():
    query = _options("query")
    for name in SHORTCUTS:
        options = _options(name)
        for flag in ("--events", "--users", "--engine", "--workspace", "--format"):
            assert options[flag] == query[flag], (name, flag)


def test_shared_options_come_last_in_one_order():
    for name in SHORTCUTS:
        flags = [flag for flag in _options(name) if flag != "--help"]
        shared = [flag for flag in SHARED if flag in flags]
        assert flags[-len(shared):] == shared, name
        assert len(shared) == len(SHARED) - (name == "lifecycle"), name  # lifecycle: no --where


def test_a_shortcut_answers_with_its_shared_options(run_cli, tmp_path):
    events = tmp_path / "events.csv"
    events.write_text("ts,user_id,event\n2024-01-01 10:00:00,u1,open\n"
                      "2024-01-02 10:00:00,u1,open\n2024-01-02 11:00:00,u2,open\n")
    result = run_cli("lifecycle", "--events", events, "--from", "2024-01-01", "--to",
                     "2024-01-02", "--interval", "day", "--format", "json")
    assert result.exit_code == 0, result.stderr
    spec = run_cli("metrics", "--where", "event = 'open'", "--show-spec")
    assert spec.exit_code == 0 and '"where": "event = \'open\'"' in spec.stdout
