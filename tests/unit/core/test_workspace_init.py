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
