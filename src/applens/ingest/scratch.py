"""Files read for one command without a workspace (``applens query --events FILE``).

They go through the ingest itself, into a throwaway warehouse: the same reader, column
mapping (``--map``, presets), parsing and rejects as ``applens ingest``, so a file answers
the same questions before and after it is ingested.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from applens.ingest.load import IngestSummary, ingest_many
from applens.workspace import Workspace

__all__ = ["ScratchTables", "load_files"]


@dataclass(frozen=True)
class ScratchTables:
    tables: dict[str, pa.Table]  # canonical table name -> its rows, as ingest stores them
    summaries: list[IngestSummary] = field(default_factory=list)


def load_files(
    files: Mapping[str, Path | None],
    *,
    mapping: Mapping[str, str | list[str]] | None = None,
    preset: str | None = None,
    max_rejects: str | None = None,
    ts_format: str | None = None,
) -> ScratchTables:
    """Ingest ``files`` (table name -> path) into a temporary warehouse and return its tables.

    ``mapping``, ``preset`` and ``ts_format`` apply to the events file.
    """
    tables: dict[str, pa.Table] = {}
    summaries: list[IngestSummary] = []
    with tempfile.TemporaryDirectory(prefix="applens-files-") as folder:
        with Workspace.init(Path(folder) / "ws") as ws:
            for table, path in files.items():
                if path is None:
                    continue
                events = table == "events"
                summaries += ingest_many(
                    ws, [path], table=table, mapping=mapping if events else None,
                    preset=preset if events else None, max_rejects=max_rejects,
                    ts_format=ts_format if events else None)
                tables[table] = ws.connection.sql(
                    f"SELECT * EXCLUDE (_ingest_id) FROM {table}").to_arrow_table()
    return ScratchTables(tables, summaries)
