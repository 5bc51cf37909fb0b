"""Tiny helpers for writing DuckDB SQL safely."""

from __future__ import annotations

__all__ = ["ident", "literal"]


def ident(name: str) -> str:
    """A quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted string literal."""
    return "'" + value.replace("'", "''") + "'"
