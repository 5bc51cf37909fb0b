"""Workspace.init records the timezone it was given; yesterday() and data_version()."""

from __future__ import annotations

import datetime as dt

import pytest

from applens.config import CONFIG_FILE
from applens.errors import ConfigError
from applens.ingest import ingest
from applens.workspace import Workspace


def test_init_writes_the_timezone_to_applens_toml(tmp_path):
    Workspace.init(tmp_path / "ws", timezone="Europe/Berlin").close()
    text = (tmp_path / "ws" / CONFIG_FILE).read_text(encoding="utf-8")
    assert 'timezone = "Europe/Berlin"' in text and 'timezone = "UTC"' not in text
    with Workspace.open(tmp_path / "ws") as reopened:  # no override: read from the file
        assert reopened.settings.timezone == "Europe/Berlin"
        assert reopened.provenance["timezone"] != "default"


def test_init_with_an_unknown_timezone_leaves_no_applens_toml(tmp_path):
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        Workspace.init(tmp_path / "ws", timezone="Mars/Olympus")
    assert not (tmp_path / "ws" / CONFIG_FILE).exists()


def test_init_records_a_three_part_zone_as_toml_reads_it(tmp_path):
    import tomllib

    zone = "America/Argentina/Buenos_Aires"
    Workspace.init(tmp_path / "ws", timezone=zone).close()
    text = (tmp_path / "ws" / CONFIG_FILE).read_text(encoding="utf-8")
    assert tomllib.loads(text)["timezone"] == zone
    assert text.count("\ntimezone = ") == 1  # replaced in place, not appended
    with Workspace.open(tmp_path / "ws") as reopened:
        assert reopened.settings.timezone == zone


def test_init_with_an_invalid_zone_writes_nothing_and_says_so_in_one_line(tmp_path):
    from tests.conftest import invoke_cli

    with pytest.raises(ConfigError, match="Invalid timezone: 'Mars/Olympus' is not an IANA"):
        Workspace.init(tmp_path / "ws", timezone="Mars/Olympus")
    assert not (tmp_path / "ws").exists()  # not even the folder
    result = invoke_cli("init", tmp_path / "cli", "--timezone", "Europe/Atlantis")
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: Invalid")
    assert not (tmp_path / "cli").exists()


def test_init_fails_clearly_when_the_template_has_no_timezone_line(tmp_path, monkeypatch):
    import applens.workspace as workspace_module

    package = tmp_path / "package"
    package.mkdir()
    (package / "workspace_template.toml").write_text('week_start = "sunday"\n',
                                                     encoding="utf-8")
    monkeypatch.setattr(workspace_module.resources, "files", lambda _: package)
    with pytest.raises(ConfigError, match="no 'timezone = \"UTC\"' line"):
        Workspace.init(tmp_path / "ws", timezone="Asia/Tokyo")
    assert not (tmp_path / "ws").exists()
    Workspace.init(tmp_path / "plain").close()  # no zone given: the template as it is


@pytest.mark.parametrize("value", ["Etc/GMT+3", 'a "quoted" zone', "back\\slash", "tab\there",
                                   "del\x7f", "Zürich"])
def test_toml_string_round_trips_through_tomllib(value):
    import tomllib

    from applens.workspace import _toml_string

    assert tomllib.loads(f"timezone = {_toml_string(value)}")["timezone"] == value


def test_init_keeps_an_existing_applens_toml(tmp_path):
    Workspace.init(tmp_path / "ws", timezone="Asia/Tokyo").close()
    Workspace.init(tmp_path / "ws", timezone="Europe/Berlin").close()
    with Workspace.open(tmp_path / "ws") as reopened:
        assert reopened.settings.timezone == "Asia/Tokyo"


def test_yesterday_is_the_day_before_today_in_the_workspace_timezone(tmp_path):
    at = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)  # still Oct 31 in Los Angeles
    with Workspace.init(tmp_path / "la", timezone="America/Los_Angeles",
                        clock=lambda: at) as ws:
        assert ws.yesterday() == dt.date(2026, 10, 30)
    with Workspace.init(tmp_path / "utc", clock=lambda: at) as ws:
        assert ws.yesterday() == dt.date(2026, 10, 31)


def test_data_version_changes_with_each_write_only(tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("ts,user_id,event\n2026-11-01T10:00:00Z,u1,open\n", encoding="utf-8")
    with Workspace.init(tmp_path / "ws") as ws:
        empty = ws.data_version()
        ingest(ws, csv)
        assert ws.backend.table("events").count().execute() == 1
        first = ws.data_version()
        assert first != empty and first == ws.data_version()
        assert ws.backend.table("events").count().execute() == 1  # no result left open
        csv.write_text("ts,user_id,event\n2026-11-02T10:00:00Z,u2,open\n", encoding="utf-8")
        ingest(ws, csv)
        second = ws.data_version()
        assert second != first
        ws.connection.execute("SELECT count(*) FROM events").fetchall()
        assert ws.data_version() == second  # reading leaves it
        ws.connection.execute("CREATE TABLE notes (text VARCHAR)")
        ws.connection.execute("INSERT INTO notes VALUES ('x')")
        assert ws.data_version() != second  # any committed write moves it
