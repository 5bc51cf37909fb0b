"""Workspace: the one object the CLI, the web app and the scheduler build.

A workspace is a folder with ``applens.toml`` and an embedded DuckDB warehouse. Its clock is
injected (``clock=``) so tests and replays can pin "now".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from applens._files import atomic_write
from applens.config import CONFIG_FILE, Settings, known_timezone, load_settings
from applens.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend

__all__ = ["Workspace"]

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding applens.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


_TIMEZONE_LINE = re.compile(r'^timezone = "UTC"$', re.M)


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
                      for c in value.replace("\\", "\\\\").replace('"', '\\"'))
    return f'"{escaped}"'


def _config_text(timezone: str | None) -> str:
    """The commented applens.toml template, with ``timezone`` on its timezone line."""
    template = resources.files("applens").joinpath("workspace_template.toml").read_text(
        encoding="utf-8")
    if not timezone:
        return template
    try:
        known_timezone(timezone)
    except ValueError as exc:
        raise ConfigError(f"Invalid timezone: {exc}. Nothing was written.") from None
    line = f"timezone = {_toml_string(timezone)}"
    text, found = _TIMEZONE_LINE.subn(lambda _: line, template, count=1)  # taken as written
    if not found or tomllib.loads(text).get("timezone") != timezone:
        # a packaging fault, not the user's: say so rather than forget their zone
        raise ConfigError("The applens.toml template has no 'timezone = \"UTC\"' line to "
                          f"record timezone '{timezone}' on; reinstall applens.")
    return text


class Workspace:
    """A folder of settings, warehouse, models, alert state and reports.

    >>> from applens.ingest import ingest     # doctest: +SKIP
    >>> ws = Workspace.init("my-app")            # doctest: +SKIP
    >>> ingest(ws, "events.csv").rows_loaded     # doctest: +SKIP
    """

    def __init__(self, path: str | Path, *, clock: Clock | None = None, **overrides: Any) -> None:
        self.path = Path(path).resolve()
        self.settings: Settings
        self.settings, self.provenance = load_settings(self.path, overrides)
        self._clock = clock or _system_clock
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._backend: Backend | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, **kwargs: Any) -> Workspace:
        """Open the workspace at ``path`` (or the nearest one above the current folder)."""
        start = Path(path) if path is not None else Path.cwd()
        root = find_root(start)
        if root is None:
            where = start.resolve()
            raise NotFoundError(
                f"No applens workspace at {where} (no {CONFIG_FILE} there or above). "
                f"Create one with 'applens init {path or '.'}'."
            )
        return cls(root, **kwargs)

    @classmethod
    def init(cls, path: str | Path, **kwargs: Any) -> Workspace:
        """Create a workspace folder with a commented applens.toml (kept if it exists).

        A new applens.toml records ``timezone=`` when given (it decides every calendar day,
        so it must outlive this call); an invalid one leaves no file behind."""
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder} exists and is not a folder. Choose another path.")
        config = folder / CONFIG_FILE
        # Built (and the zone checked) before anything is written: a bad zone leaves no trace.
        text = None if config.exists() else _config_text(kwargs.get("timezone"))
        folder.mkdir(parents=True, exist_ok=True)
        if text is not None:
            atomic_write(config, text)
            try:
                workspace = cls(folder, **kwargs)
            except ConfigError:
                config.unlink()
                raise
        else:
            workspace = cls(folder, **kwargs)
        _ = workspace.connection  # opening it creates the warehouse file
        return workspace

    # -- paths --------------------------------------------------------------------------
    @property
    def warehouse_path(self) -> Path:
        return self.path / self.settings.warehouse

    @property
    def internal_dir(self) -> Path:
        """Scratch space (DuckDB spill files, transcoded inputs); safe to delete."""
        folder = self.path / ".applens"
        folder.mkdir(exist_ok=True)
        return folder

    # -- engine -------------------------------------------------------------------------
    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection of the warehouse (opened on first use)."""
        if self._connection is None:
            from applens.engines.duckdb import connect

            self._connection = connect(
                self.warehouse_path,
                memory_limit=self.settings.memory_limit,
                threads=self.settings.threads,
                temp_directory=self.internal_dir / "tmp",
            )
        return self._connection

    @property
    def backend(self) -> Backend:
        """An Ibis backend over the same warehouse connection."""
        if self._backend is None:
            import ibis

            self._backend = ibis.duckdb.from_connection(self.connection)
        return self._backend

    def has_table(self, name: str) -> bool:
        return name in self.table_names()

    def table_names(self, *, derived: bool = True) -> list[str]:
        """The warehouse's tables and views, sorted; ``derived=False`` leaves out the tables
        applens keeps itself (the ``rollup_*`` summaries), for "no such table" messages."""
        # Not the Ibis backend's list_tables(): ibis 12 breaks on duckdb 2.0 (fetch_arrow_table).
        rows = self.connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary UNION "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY 1"
        ).fetchall()
        return [row[0] for row in rows if derived or not row[0].startswith("rollup_")]

    def table(self, name: str) -> ir.Table:
        """An Ibis table of the warehouse; a clear error if nothing was ingested into it."""
        if not self.has_table(name):
            raise NotFoundError(
                f"The workspace has no '{name}' table yet. Load data with "
                f"'applens ingest FILE --table {name}' (or run 'applens demo')."
            )
        return self.backend.table(name)

    def now(self) -> datetime:
        """The current instant (aware, UTC) from the injected clock."""
        moment = self._clock()
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)

    def yesterday(self) -> date:
        """Yesterday in the workspace timezone: the last complete local day (the digest's
        and the ETL jobs' default)."""
        return self.now().astimezone(ZoneInfo(self.settings.timezone)).date() - timedelta(days=1)

    def data_version(self) -> tuple[Any, ...]:
        """Changes whenever the warehouse is written: the size and time of the warehouse file
        and of its write-ahead log (each commit writes the log, a checkpoint the file; reads
        leave both alone). Results computed from the warehouse stay valid while it is
        unchanged. It reads no table, so it needs no lock on the connection."""
        files: list[tuple[int, int] | None] = []
        for path in (self.warehouse_path, self.warehouse_path.with_name(
                self.warehouse_path.name + ".wal")):
            try:
                stat = path.stat()
                files.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                files.append(None)
        return tuple(files)

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._backend = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"
