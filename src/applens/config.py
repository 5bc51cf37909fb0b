"""Settings: one declarative table of options, and where each effective value came from.

Precedence, highest first: explicit arguments (CLI options or ``Workspace(...)`` keywords),
``APPLENS_*`` environment variables, ``applens.toml``, defaults.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from applens._validation import problems
from applens.errors import ConfigError, did_you_mean

__all__ = ["CONFIG_FILE", "SCALAR_SETTINGS", "Settings", "SourceConfig", "known_timezone",
           "load_settings"]

CONFIG_FILE = "applens.toml"
ENV_PREFIX = "APPLENS_"


class SourceConfig(BaseModel):
    """A source that ``applens ingest`` (with no argument) reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(None, description="file path or glob, relative to the workspace")
    url: str | None = Field(None, description="postgresql:// or mysql:// URL")
    query: str | None = Field(None, description="SQL query for a database source")
    table: str | None = Field(None, description="table name for a database source")
    target: Literal["events", "users", "tickets", "memberships"] = "events"
    format: str | None = None
    preset: str | None = None


class Settings(BaseModel):
    """Every option of a workspace, with its default and meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field("UTC", description="IANA timezone for calendar periods and naive times")
    week_start: Literal["sunday", "monday"] = Field("sunday", description="first day of a week")
    session_gap_minutes: int = Field(
        30, gt=0, description="inactivity that ends a derived session (minutes)"
    )
    warehouse: str = Field(
        "warehouse.duckdb", description="embedded DuckDB file (workspace-relative)"
    )
    memory_limit: str = Field("1GB", description="DuckDB memory limit; larger work spills to disk")
    threads: int | None = Field(None, gt=0, description="DuckDB threads (default: all cores)")
    engine: str = Field(
        "duckdb",
        description="where insights run: duckdb (the warehouse), chdb or spark (a copy), "
        "or a clickhouse://user:pass@host:8123/db server holding events/users",
    )
    max_rejects: str | None = Field(
        "1%", description="fail an ingest above N rejected rows or P% (e.g. '100' or '1%'); "
        "'100%' never fails"
    )
    rollup_properties: list[str] = Field(
        default_factory=lambda: ["os", "country", "app_version", "source"],
        description="event properties whose per-day counts ingest keeps (rollups); those "
        "missing from events are skipped",
    )
    sources: list[SourceConfig] = Field(default_factory=list, description="what to ingest")
    mapping: dict[str, dict[str, str | list[str]]] = Field(
        default_factory=dict,
        description="per table: canonical column = source column (or list to join, e.g. date+time)",
    )
    # Area sections: kept as plain tables here and validated by the module that owns them
    # (applens.notify, applens.monitor, applens.experiments, applens.models), so each area
    # declares its own schema and error messages.
    notify: dict[str, Any] = Field(
        default_factory=dict, description="notification channels: urls = Apprise URLs"
    )
    monitors: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="monitored metrics, one [monitors.<name>] table each"
    )
    experiments: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="declared experiments, one [experiments.<name>] each"
    )
    models: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="ML model options, one [models.<name>] table each"
    )
    etl: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="materialised metrics by slice, one [etl.<name>] each"
    )
    content: dict[str, Any] = Field(
        default_factory=dict, description="content-item rules for access logs (applens.access)"
    )
    access: dict[str, Any] = Field(
        default_factory=dict, description="access investigations: excluded cohorts, thresholds"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @field_validator("mapping")
    @classmethod
    def _known_tables(cls, value: dict[str, Any]) -> dict[str, Any]:
        from applens.schema import TABLES

        for table in value:
            if table not in TABLES:
                raise ValueError(
                    f"mapping table '{table}' is not one of {', '.join(TABLES)}"
                    f".{did_you_mean(table, TABLES)}"
                )
        return value


# Options settable from the environment / `config show` rows (flat values, not tables/lists).
_STRUCTURED_SETTINGS = (
    "sources", "mapping", "notify", "monitors", "experiments", "models", "etl", "content", "access",
    "rollup_properties",
)
SCALAR_SETTINGS = [
    name
    for name, field in Settings.model_fields.items()
    if name not in _STRUCTURED_SETTINGS
]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the file and retry.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None


def _from_env(environ: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for name in SCALAR_SETTINGS:
        key = ENV_PREFIX + name.upper()
        if environ.get(key, "") != "":
            values[name] = environ[key]
    return values


def _explain(error: ValidationError, origin: dict[str, str]) -> str:
    found = problems(error, known=Settings.model_fields, unknown="unknown setting.")
    return "Invalid settings: " + "; ".join(
        f"{origin.get(p.loc[0], 'settings') if p.loc else 'settings'}: {p.sentence()} "
        f"(got {p.input!r})" for p in found) + "."


def load_settings(
    folder: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Effective settings and, per option, where its value came from."""
    environ = os.environ if environ is None else environ
    layers: list[tuple[str, dict[str, Any]]] = []
    if folder is not None and (folder / CONFIG_FILE).exists():
        layers.append((str(folder / CONFIG_FILE), _read_toml(folder / CONFIG_FILE)))
    layers.append(("environment", _from_env(environ)))
    layers.append(("argument", {k: v for k, v in (overrides or {}).items() if v is not None}))

    merged: dict[str, Any] = {}
    origin: dict[str, str] = {name: "default" for name in Settings.model_fields}
    for label, values in layers:
        for key, value in values.items():
            merged[key] = value
            origin[key] = f"env {ENV_PREFIX}{key.upper()}" if label == "environment" else label
    try:
        return Settings(**merged), origin
    except ValidationError as exc:
        raise ConfigError(_explain(exc, origin)) from None


def known_timezone(value: str) -> str:
    """``value`` if it names an IANA timezone, else ValueError saying what one looks like."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not an IANA timezone (for example 'UTC' or 'Europe/Moscow')"
        ) from None
    return value
