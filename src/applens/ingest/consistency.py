"""Rows that share a key must agree on some columns: a ticket has one label."""

from __future__ import annotations

from pathlib import Path

from applens._sql import ident
from applens.errors import DataError
from applens.ingest.mapping import ResolvedMapping
from applens.schema import TableSpec

__all__ = ["check_consistent"]


def check_consistent(con, spec: TableSpec, mapping: ResolvedMapping, good: str,  # noqa: ANN001
                      label: str) -> None:
    """Rows sharing a key must agree on the spec's ``consistent`` columns (a ticket has one
    label); a conflict stops the ingest before anything is written."""
    for column in (c for c in spec.consistent if c in mapping.columns):
        row = con.execute(
            f"SELECT {ident(spec.key)}, string_agg(DISTINCT {ident(column)}, ' / ' "
            f"ORDER BY {ident(column)}) FROM "
            f"({good}) GROUP BY 1 HAVING count(DISTINCT {ident(column)}) > 1 ORDER BY 1 "
            "LIMIT 1").fetchall()
        if row:
            raise DataError(
                f"{Path(label).name}: {spec.key} '{row[0][0]}' has conflicting {column} labels "
                f"({row[0][1]}); give each {spec.key} one {column} (or one row), then ingest "
                "again. Nothing was loaded.")
