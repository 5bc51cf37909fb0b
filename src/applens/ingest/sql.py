"""Kept for importers outside ingest: the SQL quoting helpers live in ``applens._sql``."""

from __future__ import annotations

from applens._sql import ident, literal

__all__ = ["ident", "literal"]
