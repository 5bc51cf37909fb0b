import pytest

from applens.config import load_settings
from applens.errors import ConfigError, NotFoundError
from applens.workspace import Workspace


def test_precedence_is_arguments_then_environment_then_file_then_defaults(tmp_path):
    (tmp_path / "applens.toml").write_text('timezone = "Europe/Berlin"\nweek_start = "monday"\n'
                                           "session_gap_minutes = 20\n")
    env = {"APPLENS_WEEK_START": "sunday", "APPLENS_SESSION_GAP_MINUTES": "45"}
    settings, origin = load_settings(tmp_path, {"session_gap_minutes": 10}, env)
    assert settings.timezone == "Europe/Berlin" and origin["timezone"].endswith("applens.toml")
    assert settings.week_start == "sunday" and origin["week_start"] == "env APPLENS_WEEK_START"
    assert settings.session_gap_minutes == 10 and origin["session_gap_minutes"] == "argument"
    assert settings.memory_limit == "1GB" and origin["memory_limit"] == "default"


def test_invalid_values_name_the_source_and_key(tmp_path):
    with pytest.raises(ConfigError, match=r"env APPLENS_TIMEZONE: 'timezone' 'Mars/Base' is not"):
        load_settings(tmp_path, None, {"APPLENS_TIMEZONE": "Mars/Base"})
    (tmp_path / "applens.toml").write_text("session_gap_minutes = = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path, None, {})
    (tmp_path / "applens.toml").write_text('[mapping.event]\nts = "x"\n')
    with pytest.raises(ConfigError, match="Did you mean 'events'"):
        load_settings(tmp_path, None, {})


def test_workspace_is_found_from_a_subfolder_and_missing_one_is_explained(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    (tmp_path / "ws" / "deep" / "er").mkdir(parents=True)
    assert Workspace.open(tmp_path / "ws" / "deep" / "er").path == (tmp_path / "ws").resolve()
    with pytest.raises(NotFoundError, match="applens init"):
        Workspace.open(tmp_path)


def test_init_keeps_an_existing_config_and_the_template_is_valid(tmp_path):
    ws = Workspace.init(tmp_path)
    text = (tmp_path / "applens.toml").read_text()
    assert "week_start" in text and "[mapping.events]" in text  # commented defaults
    (tmp_path / "applens.toml").write_text('timezone = "Asia/Tokyo"\n')
    assert Workspace.init(tmp_path).settings.timezone == "Asia/Tokyo"
    ws.close()


def test_table_of_an_empty_workspace_says_how_to_load_data(workspace):
    with pytest.raises(NotFoundError, match="applens ingest"):
        workspace.table("events")
