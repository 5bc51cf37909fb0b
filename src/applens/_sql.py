"""Tiny helpers for writing DuckDB SQL safely (quoting), shared by every layer above."""

from __future__ import annotations

__all__ = ["ident", "literal"]


def ident(name: str) -> str:
    """A quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    """A quoted string literal (of ``str(value)``)."""
    return "'" + str(value).replace("'", "''") + "'"
