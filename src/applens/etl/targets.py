"""Where ETL rows go: the workspace warehouse (DuckDB), PostgreSQL, MySQL/MariaDB, ClickHouse.

The long table (one row per date × hour × metric × dimension value), ``<table>``:

=================  ==========================  =============================================
column             type                        meaning
=================  ==========================  =============================================
date               DATE                        the local day (workspace timezone)
hour               SMALLINT, NULL              local hour 0–23 (grain ``hour``); NULL by day
job                VARCHAR                     the ``[etl.<name>]`` that wrote the row
metric             VARCHAR                     the metric's name (``dau``, ``count:view``…)
dimension          VARCHAR                     the dimension's name; ``all`` for the total
dimension_value    VARCHAR                     its value (``(none)`` when missing); ``all``
metric_value       DOUBLE, NULL                the number; NULL where a formula divides by 0
computed_at        TIMESTAMP                   when the row was computed (UTC)
=================  ==========================  =============================================

``<table>_runs`` (job, date, row_count, computed_at) records each date written, in the same
transaction as its rows: a backfill skips the dates found there, so it resumes where an
interrupted one stopped. ``wide_view`` adds a view with one column per metric.

A date is replaced in ONE transaction (delete the job's rows of that date, insert the new
ones, record the run): a failure at any point rolls back and the table is as it was.
Driver errors are translated to one-line ``SourceError``/``SchemaError`` here only.
ClickHouse has no transactions: its target is ``applens.etl._clickhouse`` (the old rows are
deleted synchronously and the new ones inserted, which is not atomic).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from applens._dbapi import connect_mysql, connect_postgres, first_line
from applens.errors import SchemaError, SourceError
from applens.etl._schema import COLUMNS, RUN_COLUMNS, TYPES
from applens.etl.compute import Row
from applens.etl.config import EtlJob
from applens.ingest.sql import literal

__all__ = ["COLUMNS", "RUN_COLUMNS", "Target", "open_target"]


class Target:
    """A DB-API connection and its SQL dialect; ``replace`` writes one date atomically."""

    def __init__(self, label: str, dialect: str, conn: Any, *, errors: tuple[type, ...],
                 begin: Callable[[Any], None], close: bool = True) -> None:
        self.label = label
        self.dialect = dialect
        self.conn = conn
        self.errors = errors
        self._begin = begin
        self._close = close
        self.mark = "?" if dialect == "duckdb" else "%s"

    # -- SQL pieces ----------------------------------------------------------------------
    def ident(self, name: str) -> str:
        if self.dialect == "mysql":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def _create(self, table: str, columns: Sequence[str], types: Sequence[str]) -> str:
        body = ", ".join(f"{self.ident(c)} {t}" for c, t in zip(columns, types, strict=True))
        return f"CREATE TABLE IF NOT EXISTS {self.ident(table)} ({body})"

    # -- running SQL with one-line errors --------------------------------------------------
    def cursor(self) -> Any:
        """A cursor in the connection's transaction (DuckDB's ``cursor()`` is another
        connection with its own transaction, so DuckDB runs on the connection itself)."""
        return _Same(self.conn) if self.dialect == "duckdb" else self.conn.cursor()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.cursor()
        try:
            cur.execute(sql, params) if params else cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except self.errors as exc:
            raise SourceError(f"ETL target {self.label}: {what} failed: {first_line(exc)}"
                              ) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back on any error."""
        self._begin(self.conn)
        try:
            yield
        except BaseException:
            try:
                self.conn.rollback()
            except self.errors:
                pass  # the server is gone; its transaction died with the connection
            raise
        self.conn.commit()

    # -- the job's tables -----------------------------------------------------------------
    def columns(self, table: str) -> list[str] | None:
        """The table's column names (lower case), or None when it does not exist."""
        schema = "DATABASE()" if self.dialect == "mysql" else "current_schema()"
        rows = self._run("SELECT column_name FROM information_schema.columns WHERE "
                         f"table_name = {self.mark} AND table_schema = {schema} "
                         "ORDER BY ordinal_position", (table,))
        return [str(r[0]).lower() for r in rows] or None

    def ensure(self, job: EtlJob) -> None:
        """Create the table, its runs table and the wide view; a table that exists must
        have exactly the documented columns."""
        types = TYPES[self.dialect]
        with self._translated("creating the table"), self.transaction():
            for table, names, kinds in ((job.table_name, COLUMNS, types[:8]),
                                        (f"{job.table_name}_runs", RUN_COLUMNS, types[8:])):
                found = self.columns(table)
                if found is not None and sorted(found) != sorted(names):
                    raise SchemaError(
                        f"ETL target {self.label}: table '{table}' has columns "
                        f"({', '.join(found)}) but [etl.{job.name}] writes ({', '.join(names)}). "
                        f"Drop or rename it, or set table = \"...\" in [etl.{job.name}].")
                if found is None:
                    self._run(self._create(table, names, kinds))
        if job.view_name:
            with self._translated("creating the wide view"), self.transaction():
                self._create_view(job)

    def _create_view(self, job: EtlJob) -> None:
        q, view = self.ident, self.ident(job.view_name or "")
        picks = ", ".join(
            f"MAX(CASE WHEN {q('metric')} = {literal(m.name)} THEN {q('metric_value')} END) "
            f"AS {q(m.name)}" for m in job.metrics)
        keys = ", ".join(q(c) for c in ("date", "hour", "dimension", "dimension_value"))
        if self.dialect != "mysql":
            self._run(f"DROP VIEW IF EXISTS {view}")
        verb = "CREATE OR REPLACE VIEW" if self.dialect == "mysql" else "CREATE VIEW"
        self._run(f"{verb} {view} AS SELECT {keys}, {picks} FROM {q(job.table_name)} "
                  f"WHERE {q('job')} = {literal(job.name)} GROUP BY {keys}")

    def done_dates(self, job: EtlJob) -> set[dt.date]:
        """The dates this job has written (from ``<table>_runs``)."""
        runs = f"{job.table_name}_runs"
        with self._translated("reading the runs"):
            if self.columns(runs) is None:
                return set()
            rows = self._run(f"SELECT {self.ident('date')} FROM {self.ident(runs)} WHERE "
                             f"{self.ident('job')} = {self.mark}", (job.name,))
        return {r[0] if isinstance(r[0], dt.date) else dt.date.fromisoformat(str(r[0]))
                for r in rows}

    def replace(self, job: EtlJob, day: dt.date, rows: Sequence[Row],
                computed_at: dt.datetime) -> None:
        """Delete the job's rows of ``day`` and insert ``rows``, in one transaction."""
        q, m = self.ident, self.mark
        table, runs = q(job.table_name), q(f"{job.table_name}_runs")
        stamp = computed_at.replace(tzinfo=None, microsecond=0)
        values = [(r.date, r.hour, r.job, r.metric, r.dimension, r.dimension_value,
                   r.metric_value, stamp) for r in rows]
        marks = ", ".join([m] * len(COLUMNS))
        where = f"{q('job')} = {m} AND {q('date')} = {m}"
        with self._translated(f"writing {day}"), self.transaction():
            cur = self.cursor()
            try:
                cur.execute(f"DELETE FROM {table} WHERE {where}", (job.name, day))
                cur.execute(f"DELETE FROM {runs} WHERE {where}", (job.name, day))
                cur.executemany(f"INSERT INTO {table} ({', '.join(q(c) for c in COLUMNS)}) "
                                f"VALUES ({marks})", values)
                cur.execute(f"INSERT INTO {runs} ({', '.join(q(c) for c in RUN_COLUMNS)}) "
                            f"VALUES ({m}, {m}, {m}, {m})", (job.name, day, len(values), stamp))
            finally:
                cur.close()

    def close(self) -> None:
        if self._close:
            self.conn.close()


class _Same:
    """The DuckDB connection used as its own cursor (``close`` leaves it open)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def close(self) -> None:
        pass


def _duckdb_begin(conn: Any) -> None:
    conn.execute("BEGIN TRANSACTION")


def _no_begin(conn: Any) -> None:
    """psycopg opens a transaction on the first statement (autocommit is off)."""


def _mysql_begin(conn: Any) -> None:
    conn.begin()


def open_target(ws: Any, job: EtlJob) -> Any:
    """A connected target for ``job`` (the warehouse, or a server by URL)."""
    if job.target == "warehouse":
        import duckdb

        return Target("warehouse", "duckdb", ws.connection, errors=(duckdb.Error,),
                      begin=_duckdb_begin, close=False)
    scheme = urlsplit(job.target).scheme.split("+")[0]
    what = f"the ETL target {job.target_label}"
    if scheme.startswith("postgres"):
        import psycopg

        return Target(job.target_label, "postgresql", connect_postgres(job.target, what),
                      errors=(psycopg.Error,), begin=_no_begin)
    if scheme == "clickhouse":
        from applens.etl._clickhouse import ClickHouseTarget

        return ClickHouseTarget.connect(job)
    import pymysql

    return Target(job.target_label, "mysql", connect_mysql(job.target, what, autocommit=False),
                  errors=(pymysql.Error,), begin=_mysql_begin)
