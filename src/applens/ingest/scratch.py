"""Files read for one command without a workspace (``applens query --events FILE``).

They go through the ingest itself, into a throwaway warehouse: the same reader, column
mapping (``--map``, presets), parsing and rejects as ``applens ingest``, so a file answers
the same questions before and after it is ingested.

The throwaway warehouse is a DuckDB file with the workspace's memory limit and spill folder,
and the embedded engine answers straight from it (``scratch_warehouse``). Copying its tables
out (``ScratchWarehouse.tables``, for chDB and Spark) materialises every column in Python
memory and again in the other engine: on 20 million events that was ~5 GB of RSS, growing
with the file, where the warehouse itself spills to disk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from applens.ingest.load import IngestSummary, ingest_many
from applens.workspace import Workspace

__all__ = ["ScratchTables", "ScratchWarehouse", "load_files", "scratch_warehouse"]


@dataclass(frozen=True)
class ScratchTables:
    tables: dict[str, pa.Table]  # canonical table name -> its rows, as ingest stores them
    summaries: list[IngestSummary] = field(default_factory=list)


@dataclass(frozen=True)
class ScratchWarehouse:
    workspace: Workspace  # a workspace in a temporary folder (UTC, default settings)
    names: list[str]  # the tables loaded
    summaries: list[IngestSummary] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        """Every loaded table as Arrow (all in memory: for engines other than DuckDB)."""
        con = self.workspace.connection
        return {name: con.sql(f"SELECT * EXCLUDE (_ingest_id) FROM {name}").to_arrow_table()
                for name in self.names}


@contextmanager
def scratch_warehouse(
    files: Mapping[str, Path | None],
    *,
    mapping: Mapping[str, str | list[str]] | None = None,
    preset: str | None = None,
    max_rejects: str | None = None,
    ts_format: str | None = None,
) -> Iterator[ScratchWarehouse]:
    """Ingest ``files`` (table name -> path) into a temporary warehouse, open while in use.

    ``mapping``, ``preset`` and ``ts_format`` apply to the events file. No rollups are kept:
    the warehouse answers one question and is deleted.
    """
    summaries: list[IngestSummary] = []
    names: list[str] = []
    with tempfile.TemporaryDirectory(prefix="applens-files-") as folder:
        with Workspace.init(Path(folder) / "ws") as ws:
            for table, path in files.items():
                if path is None:
                    continue
                events = table == "events"
                summaries += ingest_many(
                    ws, [path], table=table, mapping=mapping if events else None,
                    preset=preset if events else None, max_rejects=max_rejects,
                    ts_format=ts_format if events else None, rollups=False)
                names.append(table)
            yield ScratchWarehouse(ws, names, summaries)


def load_files(
    files: Mapping[str, Path | None],
    *,
    mapping: Mapping[str, str | list[str]] | None = None,
    preset: str | None = None,
    max_rejects: str | None = None,
    ts_format: str | None = None,
) -> ScratchTables:
    """Ingest ``files`` into a temporary warehouse and return its tables as Arrow."""
    with scratch_warehouse(files, mapping=mapping, preset=preset, max_rejects=max_rejects,
                           ts_format=ts_format) as scratch:
        return ScratchTables(scratch.tables(), scratch.summaries)
