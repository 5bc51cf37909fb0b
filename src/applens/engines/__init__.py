"""Engines: how applens reaches a warehouse. Driver errors are translated here only.

``open_engine(name, tables)`` gives an Ibis backend holding ``events`` (and ``users``) for
any engine the insights run on:

- ``duckdb`` (default): in-memory DuckDB;
- ``chdb``: embedded ClickHouse (the ClickHouse SQL Ibis generates, run in-process);
- ``spark``: PySpark local mode (temporary views);
- ``clickhouse://user:pass@host:8123/db``: a ClickHouse server that already has the
  tables (``tables`` must be empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from applens.errors import ConfigError

__all__ = ["ENGINES", "check_engine", "open_engine"]

ENGINES = ("duckdb", "chdb", "spark")


def check_engine(engine: str) -> str:
    """``engine`` if it names an engine (or a clickhouse:// URL), else a ConfigError."""
    if engine in ENGINES or engine.startswith("clickhouse://"):
        return engine
    from applens.errors import did_you_mean

    raise ConfigError(f"Unknown engine '{engine}'.{did_you_mean(engine, ENGINES)} Use one of "
                      f"{', '.join(ENGINES)} or a clickhouse://host:8123/db URL.")


def open_engine(engine: str = "duckdb", tables: Mapping[str, Any] | None = None) -> Any:
    """An Ibis backend for ``engine`` with ``tables`` (name -> DataFrame, Arrow table or
    Parquet/CSV/JSON path) loaded as tables or views."""
    check_engine(engine)
    tables = {k: v for k, v in (tables or {}).items() if v is not None}
    if engine.startswith("clickhouse://"):
        from applens.engines import clickhouse

        if tables:
            raise ConfigError("A ClickHouse server uses its own events/users tables; "
                              "drop --events/--users or use --engine chdb.")
        return clickhouse.connect_server(engine)
    if engine == "chdb":
        from applens.engines import clickhouse

        backend = clickhouse.connect_chdb()
        clickhouse.load(backend, {k: _arrow(v) for k, v in tables.items()})
        return backend
    if engine == "spark":
        from applens.engines import spark

        backend = spark.connect()
        spark.load(backend, {k: _arrow(v) for k, v in tables.items()})
        return backend
    import ibis

    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    for name, data in tables.items():
        con.create_table(name, _arrow(data))
    return con


def _arrow(data: Any) -> Any:
    """Files are read with DuckDB (ISO ``ts`` text becomes naive UTC); frames pass through."""
    if not isinstance(data, (str, Path)):
        return data
    from applens.engines.files import read_table

    return read_table(Path(data))
