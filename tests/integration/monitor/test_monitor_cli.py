"""``applens monitor``: one-shot runs, snooze, list, history and errors through the CLI."""

from __future__ import annotations

import json
from datetime import UTC

from tests.integration.monitor.conftest import INCIDENT, SLICE, monitors_toml, thin

TOML = """
[monitors.events]
dimensions = ["os"]
catch_up = "15m"
min_volume = 50
"""


def _workspace(bench, http_receiver, base_traffic):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, TOML))
    b.load(thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS"))
    b.ws.close()
    return b.folder


def test_once_reports_and_sends(bench, http_receiver, base_traffic, run_cli, monkeypatch):
    folder = _workspace(bench, http_receiver, base_traffic)
    # The CLI reads the system clock: pin it just after the outage's first slice ended.
    import applens.workspace as workspace_module

    now = (INCIDENT + SLICE * 1.2).replace(tzinfo=UTC)
    monkeypatch.setattr(workspace_module, "_system_clock", lambda: now)
    result = run_cli("monitor", "--once", "-w", folder, "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [n["kind"] for n in payload["notices"]] == ["opened"]
    assert payload["messages_sent"] == 1 and len(http_receiver.messages) == 1

    again = run_cli("monitor", "--once", "-w", folder)
    assert again.exit_code == 0 and "judged 0 slice(s)" in again.stdout
    history = run_cli("monitor", "-w", folder, "history", "--since", "2026-11-01",
                      "--format", "csv")
    assert history.exit_code == 0
    lines = history.stdout.strip().splitlines()
    assert lines[0].startswith("monitor,series,slice_start,status") and len(lines) == 2
    assert "events,os=iOS," in lines[1] and ",open," in lines[1]


def test_snooze_and_list(bench, http_receiver, base_traffic, run_cli):
    folder = _workspace(bench, http_receiver, base_traffic)
    snoozed = run_cli("monitor", "-w", folder, "snooze", "events", "--for", "2h")
    assert snoozed.exit_code == 0 and "snoozed until" in snoozed.stdout
    listed = json.loads(run_cli("monitor", "-w", folder, "list", "--format", "json").stdout)
    assert listed[0]["name"] == "events" and listed[0]["snoozed_until"]
    assert listed[0]["channels"].startswith("json://127.0.0.1:")
    off = run_cli("monitor", "-w", folder, "snooze", "events", "--off")
    assert off.exit_code == 0
    assert json.loads(run_cli("monitor", "-w", folder, "list", "--format", "json")
                      .stdout)[0]["snoozed_until"] == ""


def test_user_errors_print_one_line(bench, http_receiver, base_traffic, run_cli):
    folder = _workspace(bench, http_receiver, base_traffic)
    for args, text in [
        (("monitor", "-w", folder), "Give exactly one of --once or --every"),
        (("monitor", "-w", folder, "--every", "2s"), "too short"),
        (("monitor", "-w", folder, "--every", "often"), "'often' is not a duration"),
        (("monitor", "-w", folder, "snooze", "evnts"), "Did you mean 'events'?"),
    ]:
        result = run_cli(*args)
        assert result.exit_code == 1, args
        assert result.stderr.count("Error:") == 1 and text in result.stderr, result.stderr
    (folder / "applens.toml").write_text("[monitors.x]\nslise = '15m'\n")
    bad = run_cli("monitor", "--once", "-w", folder)
    assert bad.exit_code == 1 and "'monitors.x.slise' is not a monitor setting" in bad.stderr


def test_every_command_has_an_example(run_cli):
    for args in (("monitor",), ("monitor", "snooze"), ("monitor", "list"),
                 ("monitor", "history")):
        result = run_cli(*args, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout
