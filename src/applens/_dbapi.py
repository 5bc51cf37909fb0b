"""Connecting to PostgreSQL and MySQL/MariaDB by URL, with one-line errors.

``postgresql://user:pass@host:5432/db`` (``postgresql+psycopg://`` too) and
``mysql://root@127.0.0.1:3306/db``. A failed connection raises ``SourceError`` naming
``what`` (a redacted label, never the password) and the driver's first line.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from applens.errors import SourceError

__all__ = ["connect_mysql", "connect_postgres", "first_line"]


def first_line(exc: BaseException) -> str:
    """The driver's message, first line only (pymysql puts its code first in ``args``)."""
    text = str(exc.args[-1] if exc.args and not isinstance(exc.args[-1], int) else exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def connect_postgres(url: str, what: str) -> Any:
    """A psycopg connection (autocommit off: the first statement opens a transaction)."""
    import psycopg

    try:
        return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                               connect_timeout=10)
    except psycopg.Error as exc:
        raise SourceError(f"Cannot connect to {what}: {first_line(exc)}") from None


def connect_mysql(url: str, what: str, **options: Any) -> Any:
    """A pymysql connection (utf8mb4); ``options`` go to ``pymysql.connect``."""
    import pymysql

    parts = urlsplit(url)
    try:
        return pymysql.connect(
            host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
            user=unquote(parts.username or "root"), password=unquote(parts.password or ""),
            database=parts.path.lstrip("/") or None, charset="utf8mb4", connect_timeout=10,
            **options)
    except pymysql.Error as exc:
        raise SourceError(f"Cannot connect to {what}: {first_line(exc)}") from None
