"""Turning a file or a database query into something DuckDB can SELECT from."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from threading import Thread
from urllib.parse import urlsplit

from applens._dbapi import connect_mysql, connect_postgres, first_line
from applens._sql import ident
from applens._urls import redact_url
from applens.engines.detect import CHUNK
from applens.engines.files import CSV_REJECTS, CSV_SCANS
from applens.errors import SourceError

__all__ = ["CSV_REJECTS", "CSV_SCANS", "DB_SCHEMES", "file_fingerprint", "fingerprint_later",
           "is_db_url", "stream_db_rows"]

DB_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb")


def is_db_url(source: str) -> bool:
    return urlsplit(str(source)).scheme.split("+")[0] in DB_SCHEMES


def file_fingerprint(path: Path) -> str:
    """Content hash: the same bytes under another name are the same file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def fingerprint_later(path: Path) -> Callable[[], str]:
    """``file_fingerprint(path)`` hashed in a thread (hashlib releases the GIL on large
    blocks); the returned call waits for it and raises what hashing raised. Lets a file
    load while it is being hashed. A daemon thread: Ctrl-C does not wait for the hash."""
    done: list[str | BaseException] = []

    def work() -> None:
        try:
            done.append(file_fingerprint(path))
        except BaseException as exc:  # handed to the caller by result()
            done.append(exc)

    thread = Thread(target=work, name="applens-fingerprint", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        if isinstance(done[0], BaseException):
            raise done[0]
        return done[0]
    return result


@dataclass(frozen=True)
class DbSource:
    url: str
    scheme: str
    sql: str
    label: str  # the URL without its password, for messages and the ledger


def db_source(url: str, *, table: str | None, query: str | None) -> DbSource:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if bool(table) == bool(query):
        raise SourceError(
            f"Say what to read from {scheme}: pass --db-table NAME or --query 'SELECT …' "
            "(exactly one)."
        )
    sql = query or (
        "SELECT * FROM "
        f"{ident(table) if scheme.startswith('postgres') else '`' + table.replace('`', '``') + '`'}"
    )
    label = redact_url(parts._replace(scheme=scheme).geturl()) + (
        f"#{table}" if table else "#query")
    return DbSource(url, scheme, sql, label)


def stream_db_rows(source: DbSource, batch_rows: int = 50_000):  # noqa: ANN201
    """(column names, iterator of row batches) from a server-side cursor: memory stays flat."""
    if source.scheme.startswith("postgres"):
        return _stream_postgres(source, batch_rows)
    return _stream_mysql(source, batch_rows)


def _stream_postgres(source: DbSource, batch_rows: int):  # noqa: ANN202
    import psycopg

    conn = connect_postgres(source.url, source.label)
    cursor = conn.cursor(name="applens_ingest")
    cursor.itersize = batch_rows
    try:
        cursor.execute(source.sql)
        first = cursor.fetchmany(batch_rows)
    except psycopg.Error as exc:
        _close_quietly(cursor, conn)
        raise SourceError(f"{source.label}: {first_line(exc)}") from None
    names = [d.name for d in cursor.description]

    def batches():  # noqa: ANN202
        try:
            batch = first
            while batch:
                yield batch
                batch = cursor.fetchmany(batch_rows)
        finally:
            _close_quietly(cursor, conn)

    return names, batches()


def _close_quietly(cursor, conn) -> None:  # noqa: ANN001
    """Close a server-side cursor and its connection, even after a failed statement."""
    try:
        cursor.close()
    except Exception:  # noqa: BLE001 - the transaction may be aborted; closing is enough
        pass
    conn.close()


def _stream_mysql(source: DbSource, batch_rows: int):  # noqa: ANN202
    import pymysql
    import pymysql.cursors

    conn = connect_mysql(source.url, source.label, cursorclass=pymysql.cursors.SSCursor)
    cursor = conn.cursor()
    try:
        cursor.execute(source.sql)
    except pymysql.Error as exc:
        conn.close()
        raise SourceError(f"{source.label}: {first_line(exc)}") from None
    names = [d[0] for d in cursor.description]

    def batches():  # noqa: ANN202
        try:
            while batch := cursor.fetchmany(batch_rows):
                yield batch
        finally:
            conn.close()

    return names, batches()
