"""ClickHouse: Ibis's ClickHouse SQL, run by a server (``clickhouse://``) or by embedded chDB.

Two ClickHouse traps are fixed here, once, for both (see ``shared/docs/stack-notes.md`` §4):

- ``nunique()`` compiles to the approximate ``uniq``; our compiler emits ``uniqExact``;
- unmatched ``LEFT JOIN`` columns get type defaults (1970-01-01), not NULL, unless
  ``join_use_nulls=1``; every query runs with it (and in UTC, like ``events.ts``).

chDB runs the same SQL in-process (tests, files, no server): tables are loaded from pandas,
Arrow or Parquet into ``Memory`` tables of a private chDB session, and ``ibis.memtable``
data is materialised the same way the first time a query uses it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends.clickhouse import Backend as _IbisClickHouse
from ibis.backends.sql.compilers.clickhouse import ClickHouseCompiler

from applens._urls import redact_url
from applens.errors import SourceError

__all__ = ["ChdbBackend", "SETTINGS", "connect", "connect_chdb", "connect_server", "load"]

# Settings every query runs with (server: per connection; chDB: per session).
SETTINGS: dict[str, Any] = {"join_use_nulls": 1, "session_timezone": "UTC"}


class ExactCompiler(ClickHouseCompiler):
    """ClickHouse SQL with exact distinct counts (``uniqExact``, not ``uniq``)."""

    __slots__ = ()
    # Simple ops become visit_* methods in __init_subclass__, so override the table entry.
    SIMPLE_OPS = {**ClickHouseCompiler.SIMPLE_OPS, ops.CountDistinct: "uniqExact"}


_COMPILER = ExactCompiler()


class ServerBackend(_IbisClickHouse):
    """Ibis's ClickHouse backend (clickhouse-connect) with the exact compiler."""

    compiler = _COMPILER


class ChdbBackend(ServerBackend):
    """The ClickHouse backend executed by embedded chDB instead of a server."""

    name = "clickhouse"

    def do_connect(self, path: str | None = None, **_: Any) -> None:  # type: ignore[override]
        # chDB allows one embedded server per process: backends share it, each with a
        # private database that every query of that backend selects first.
        self._session = _shared_session(path)
        self._tmp = Path(tempfile.mkdtemp(prefix="applens-chdb-"))
        self._db = f"applens_{uuid.uuid4().hex[:12]}"
        self._loaded: set[str] = set()
        self._session.query(f"CREATE DATABASE IF NOT EXISTS {self._db}", "CSV")

    @property
    def version(self) -> str:
        return str(self._sql("SELECT version()", "CSV")).strip().strip('"')

    def _sql(self, sql: str, fmt: str = "CSV") -> Any:
        try:
            self._session.query(f"USE {self._db}", "CSV")
            return self._session.query(sql, fmt)
        except Exception as exc:  # chdb raises a bare RuntimeError / ChdbError
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise SourceError(f"chDB query failed: {first}") from None

    # -- data in ------------------------------------------------------------------------
    def load(self, name: str, data: Any) -> None:
        """(Re)create table ``name`` from a DataFrame, an Arrow table or a Parquet file."""
        if isinstance(data, (str, Path)):
            path = Path(data)
        else:
            table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(
                data, preserve_index=False)
            path = self._tmp / f"{name}.parquet"
            pq.write_table(table, path)
        literal = str(path).replace("'", "\\'")
        self._sql(f"DROP TABLE IF EXISTS `{name}`")  # in this backend's database
        self._sql(f"CREATE TABLE `{name}` ENGINE = Memory AS "
                  f"SELECT * FROM file('{literal}', Parquet)")

    def _register_in_memory_table(self, op: ops.InMemoryTable) -> None:
        if op.name not in self._loaded:
            self.load(op.name, op.data.to_pyarrow(op.schema))
            self._loaded.add(op.name)

    def _load_memtables(self, expr: ir.Expr) -> None:
        for op in expr.op().find(ops.InMemoryTable):
            self._register_in_memory_table(op)

    # -- queries --------------------------------------------------------------------------
    def raw_sql(self, query: Any, external_tables: Mapping[str, Any] | None = None,
                **_: Any) -> Any:
        if not isinstance(query, str):
            query = query.sql(dialect=self.name)
        return self._sql(query, "CSV")

    def get_schema(self, table_name: str, *, catalog: str | None = None,
                   database: str | None = None) -> Any:
        import ibis.common.exceptions as com
        import ibis.expr.schema as sch

        qualified = f"`{database or self._db}`.`{table_name}`"
        try:
            frame = self._session.query(f"DESCRIBE TABLE {qualified}", "ArrowTable")
        except Exception as exc:
            if "UNKNOWN_TABLE" in str(exc) or "doesn't exist" in str(exc):
                raise com.TableNotFound(table_name) from None
            raise
        names = frame.column("name").to_pylist()
        types = frame.column("type").to_pylist()
        return sch.Schema(dict(zip(names, map(self.compiler.type_mapper.from_string, types),
                                   strict=True)))

    def to_pyarrow(self, expr: ir.Expr, /, *, params: Any = None, limit: Any = None,
                   **_: Any) -> Any:
        table = expr.as_table()
        self._load_memtables(expr)
        sql = self.compile(table, params=params, limit=limit)
        self._log(sql)
        result = self._sql(sql, "ArrowTable")
        schema = table.schema().to_pyarrow()
        result = result.rename_columns(schema.names).cast(schema) if result.num_rows else \
            schema.empty_table()
        return expr.__pyarrow_result__(result)

    def execute(self, expr: ir.Expr, /, *, limit: Any = "default", params: Any = None,
                **_: Any) -> Any:
        from ibis.backends.clickhouse.converter import ClickHousePandasData

        table = expr.as_table()
        arrow = self.to_pyarrow(table, params=params, limit=limit)
        frame = arrow.to_pandas(types_mapper=None)
        frame = ClickHousePandasData.convert_table(frame, schema=table.schema())
        return expr.__pandas_result__(frame)

    def disconnect(self) -> None:
        try:
            self._session.query(f"DROP DATABASE IF EXISTS {self._db}", "CSV")
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)


_SESSION: Any = None
_SESSION_PATH: str | None = None


def _shared_session(path: str | None) -> Any:
    """The process's chDB session with SETTINGS applied (a temporary folder by default)."""
    global _SESSION, _SESSION_PATH
    if _SESSION is None:
        from chdb import session

        _SESSION_PATH = path or tempfile.mkdtemp(prefix="applens-chdb-server-")
        if path is None:
            atexit.register(shutil.rmtree, _SESSION_PATH, True)
        _SESSION = session.Session(_SESSION_PATH)
        for key, value in SETTINGS.items():
            _SESSION.query(f"SET {key} = {_literal(value)}", "CSV")
    elif path is not None and path != _SESSION_PATH:
        raise SourceError(f"chDB is already open at {_SESSION_PATH} in this process; "
                          f"it cannot also open {path}.")
    return _SESSION


def _literal(value: Any) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "\\'") + "'"


def connect_chdb(path: str | None = None) -> ChdbBackend:
    """A private embedded chDB (in a temporary folder unless ``path`` is given)."""
    backend = ChdbBackend()
    backend.do_connect(path)
    return backend


def connect_server(url: str) -> ServerBackend:
    """A ClickHouse server, e.g. ``clickhouse://user:pass@host:8123/db`` (clickhouse-connect)."""
    from urllib.parse import urlparse

    try:
        backend = ServerBackend()._from_url(urlparse(url), settings=dict(SETTINGS))
    except Exception as exc:  # clickhouse-connect's own error types
        raise SourceError(f"Cannot connect to ClickHouse at {redact_url(url)}: {exc}") from None
    return backend  # type: ignore[return-value]


def connect(url: str | None = None) -> _IbisClickHouse:
    """``clickhouse://…`` → a server; ``None``/``chdb`` → embedded chDB."""
    if url and url.startswith("clickhouse://"):
        return connect_server(url)
    path = url.removeprefix("chdb://") if url and url.startswith("chdb://") else None
    return connect_chdb(path or None)


def load(backend: Any, tables: Mapping[str, Any]) -> None:
    """Load ``{"events": frame_or_path, "users": …}`` into a chDB backend."""
    if not isinstance(backend, ChdbBackend):
        raise SourceError("Loading tables is for embedded chDB; a server has its own tables.")
    for name, data in tables.items():
        if data is not None:
            backend.load(name, data)


