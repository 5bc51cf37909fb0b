"""The embedded DuckDB warehouse: connection settings and error translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from applens.errors import ApplensError, ConfigError, SourceError

__all__ = ["connect", "duckdb_errors"]


def connect(
    path: Path | str,
    *,
    memory_limit: str = "1GB",
    threads: int | None = None,
    temp_directory: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse with bounded memory and a spill folder."""
    config: dict[str, str | int] = {"memory_limit": memory_limit}
    if threads:
        config["threads"] = threads
    if temp_directory is not None:
        temp_directory.mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_directory)
    try:
        con = duckdb.connect(str(path), config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ApplensError(
                f"The warehouse {path} is in use by another applens process "
                "(DuckDB allows one writer). Stop it (for example 'applens serve') and retry."
            ) from exc
        raise SourceError(f"Cannot open the warehouse {path}: {exc}") from exc
    except duckdb.InvalidInputException as exc:
        raise ConfigError(f"Invalid DuckDB setting for {path}: {exc}") from exc
    # Timestamps are stored as naive UTC; a UTC session keeps DuckDB from shifting them.
    con.execute("SET TimeZone = 'UTC'")
    # Library code never draws DuckDB's own progress bar on the terminal (ingest shows Rich's).
    con.execute("SET enable_progress_bar_print = false")
    return con


@contextmanager
def duckdb_errors(what: str, hint: str = "") -> Iterator[None]:
    """Re-raise DuckDB errors as ``SourceError`` saying what we were doing (and how to fix
    it); an interrupted query (Ctrl-C, ``con.interrupt()``) becomes ``KeyboardInterrupt``."""
    try:
        yield
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except duckdb.Error as exc:
        message = str(exc).split("\n")[0].strip()
        raise SourceError(f"{what}: {message}.{' ' + hint if hint else ''}") from exc
