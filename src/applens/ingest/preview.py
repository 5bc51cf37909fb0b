"""What an ingest would make of a file's first rows, without writing anything.

The file is read by the ingest's own reader (``ingest.read.stage_file``: detection, repair,
presets) on a scratch in-memory connection, mapped by ``resolve_mapping`` and parsed and
checked by the same column plans; only the first ``rows`` rows are looked at. Nothing touches
the workspace's warehouse or folders.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from applens._sql import literal
from applens.engines.detect import detect
from applens.engines.duckdb import connect
from applens.ingest.mapping import ResolvedMapping, resolve_mapping
from applens.ingest.presets import Preset, get_preset
from applens.ingest.read import (
    SKIPPED,
    Staged,
    has_csv_rejects,
    line_sql,
    read_errors,
    stage_file,
    where_filter,
)
from applens.ingest.validate import (
    ColumnPlan,
    parsed_select,
    plan_column,
    raw_text,
    typed_time,
    whole_number_ids,
)
from applens.schema import TableSpec, table_spec

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["Preview", "PreviewRow", "preview"]

DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


@dataclass(frozen=True)
class PreviewRow:
    """One source row as it would be loaded: its file line, canonical values and verdict."""

    line: int
    values: dict[str, Any]
    reason: str | None = None  # why it would be rejected
    column: str | None = None
    value: str | None = None
    filtered: bool = False  # left out by --where


@dataclass(frozen=True)
class Preview:
    source: str
    table: str
    format: str  # csv, parquet, json or the preset's name
    encoding: str | None
    delimiter: str | None  # in words: comma, tab…
    source_columns: tuple[str, ...]
    mapping: str  # "ts <- date+time, user_id <- uid"
    guessed: dict[str, str]
    properties: tuple[str, ...]  # source columns kept as properties
    columns: tuple[str, ...]  # the canonical columns shown
    rows: tuple[PreviewRow, ...] = ()
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return sum(1 for r in self.rows if r.reason and not r.filtered)

    @property
    def rows_filtered(self) -> int:
        return sum(1 for r in self.rows if r.filtered)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_rejected": self.rows_rejected,
                "rows_filtered": self.rows_filtered}


def preview(ws: Workspace, path: str | Path, *, table: str = "events",
            mapping: Mapping[str, str | list[str]] | None = None, preset: str | None = None,
            where: str | None = None, ts_format: str | None = None, rows: int = 10,
            label: str | None = None) -> Preview:
    """The first ``rows`` rows of ``path`` mapped onto ``table`` as ``ingest`` would map them
    (same arguments); raises the ingest's errors for a mapping or file it would refuse."""
    spec = table_spec(table)
    reader = get_preset(preset) if preset else None
    explicit = {**ws.settings.mapping.get(table, {}), **(mapping or {})}
    path = Path(path)
    label = label or str(path)
    info = detect(path)
    con = connect(":memory:", memory_limit="256MB")  # scratch: the warehouse is not touched
    try:
        con.execute(f"SET TimeZone = {literal(ws.settings.timezone)}")
        with tempfile.TemporaryDirectory(prefix="applens-preview-") as scratch, \
                stage_file(con, path, info, Path(scratch), reader) as staged:
            resolved = resolve_mapping(spec, list(staged.types), explicit, label)
            head = f"(SELECT * FROM {staged.relation} LIMIT {int(rows)})"
            with read_errors(label, staged.fmt):
                plans = _plans(ws, con, spec, resolved, head, reader,
                               ts_format or (reader.ts_format if reader else None),
                               staged.types)
            relation = where_filter(con, where, label, head, staged.types) if where else head
            shown = _rows(con, staged, plans, relation, head, label, where=bool(where))
    finally:
        con.close()
    reasons: dict[str, int] = {}
    for row in shown:
        if row.reason and not row.filtered:
            reasons[row.reason] = reasons.get(row.reason, 0) + 1
    return Preview(
        source=label, table=spec.name, format=staged.fmt,
        encoding=info.encoding if info.format != "parquet" else None,
        delimiter=DELIMITERS.get(info.delimiter, info.delimiter) if staged.csv else None,
        source_columns=tuple(staged.types), mapping=resolved.describe(),
        guessed=dict(resolved.guessed), properties=tuple(resolved.extras),
        columns=tuple(p.name for p in plans), rows=tuple(shown), reasons=reasons,
    )


def _plans(ws: Workspace, con, spec: TableSpec, resolved: ResolvedMapping,  # noqa: ANN001
           head: str, reader: Preset | None, ts_format: str | None,
           types: dict[str, str]) -> list[ColumnPlan]:
    """The canonical columns' plans, built as the loader builds them."""
    ids = {n: s[0] for n, s in resolved.columns.items() if n.endswith("_id") and len(s) == 1}
    whole = whole_number_ids(con, head, ids)
    latest = (ws.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    plans = []
    for column in spec.columns:
        if column.name in resolved.constants:
            raw = literal(resolved.constants[column.name])
        elif column.name in resolved.columns:
            raw = raw_text(resolved.columns[column.name], whole=column.name in whole)
        else:
            continue
        typed = typed_time(resolved.columns.get(column.name, ()), types)
        plan = plan_column(column, raw, timezone=ws.settings.timezone, latest=latest,
                           ts_format=ts_format, typed=typed)
        plans.append(reader.adjust(plan) if reader else plan)
    return plans


def _rows(con, staged: Staged, plans: list[ColumnPlan], relation: str, head: str,  # noqa: ANN001
          label: str, *, where: bool) -> list[PreviewRow]:
    """Each row's file line, parsed values and first failed check (or the filter)."""
    parsed = parsed_select(plans, relation, keep=where)
    con.execute(f"CREATE TEMP TABLE {SKIPPED} (line BIGINT)")
    if staged.source.skipped:
        con.executemany(f"INSERT INTO {SKIPPED} VALUES (?)",
                        [[n] for n, _, _ in staged.source.skipped])
    with read_errors(label, staged.fmt):
        con.execute(f"SELECT count(*) FROM {head}")  # fills the CSV reader's rejects
        line = line_sql(csv=staged.csv, structural=staged.csv and has_csv_rejects(con))
        found = con.execute(f"SELECT {line} AS _line, * FROM ({parsed}) ORDER BY _row"
                            ).fetchall()
    names = [p.name for p in plans]
    first = 3 if where else 2  # after _line, _row[, keep]
    return [PreviewRow(record[0], dict(zip(names, record[first:first + len(names)],
                                           strict=True)),
                       *record[-3:], filtered=where and not record[2])
            for record in found]
