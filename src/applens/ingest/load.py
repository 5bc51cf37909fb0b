"""Loading sources into the warehouse: validate, reject, append — all or nothing.

One command is one DuckDB transaction: a failure, a --max-rejects breach, Ctrl-C or a killed
process leaves the warehouse exactly as it was. A source whose content was ingested before
(same bytes for files, same rows for databases) adds nothing.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from applens.engines.duckdb import duckdb_errors
from applens.engines.files import Readable, file_relation, readable
from applens.errors import InvalidParameterError, TooManyRejectsError
from applens.ingest.detect import detect
from applens.ingest.mapping import ResolvedMapping, resolve_mapping
from applens.ingest.presets import Preset, get_preset
from applens.ingest.progress import watch_query
from applens.ingest.sessionize import with_sessions
from applens.ingest.sources import (
    CSV_REJECTS,
    CSV_SCANS,
    db_source,
    file_fingerprint,
    is_db_url,
    stream_db_rows,
)
from applens.ingest.sql import ident, literal
from applens.ingest.validate import RAW as RAW_REF
from applens.ingest.validate import (
    SQL_TYPES,
    ColumnPlan,
    infer_property_types,
    plan_column,
    property_plan,
    raw_text,
    whole_number_ids,
)
from applens.ingest.validate import VALUE as VALUE_REF
from applens.schema import TableSpec, table_spec

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["IngestSummary", "ingest", "ingest_many", "parse_max_rejects"]

STAGE = "_applens_stage"
RAW = "_applens_raw"
KEEP = "_applens_keep"  # whether --where holds for a row
SKIPPED = "_applens_skipped"  # file lines set aside before reading (broken quotes, NUL bytes)
LEDGER_DDL = (
    "CREATE TABLE IF NOT EXISTS ingests (ingest_id INTEGER, source VARCHAR, fingerprint VARCHAR,"
    " target VARCHAR, format VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT,"
    " mapping VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, rows_filtered BIGINT)",
    "ALTER TABLE ingests ADD COLUMN IF NOT EXISTS rows_filtered BIGINT",
    "CREATE TABLE IF NOT EXISTS rejects (ingest_id INTEGER, source VARCHAR, target VARCHAR,"
    ' line BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR)',
)


@dataclass(frozen=True)
class IngestSummary:
    source: str
    table: str
    format: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    ingest_id: int | None = None
    skipped_as_duplicate_of: int | None = None
    mapping: str = ""
    guessed: dict[str, str] = field(default_factory=dict)
    sessions_derived: bool = False
    seconds: float = 0.0
    top_reasons: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # plain sentences worth a user's attention
    rows_filtered: int = 0  # left out by --where: read = loaded + rejected + filtered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Limit:
    text: str
    count: int | None = None
    share: float | None = None
    name: str = "--max-rejects"  # where the limit came from, for messages

    def exceeded(self, rejected: int, read: int) -> bool:
        if self.count is not None:
            return rejected > self.count
        return read > 0 and rejected / read > (self.share or 0.0)


def parse_max_rejects(value: str | int | None) -> _Limit | None:
    """``"100"`` (rows) or ``"1%"`` (share of rows read); None means no limit."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if match:
        return _Limit(text, share=float(match.group(1)) / 100)
    if text.isdigit():
        return _Limit(text, count=int(text))
    raise InvalidParameterError(
        f"--max-rejects must be a row count like 100 or a share like 1%. Got {text!r} instead."
    )


def ingest(ws: Workspace, source: str | Path, **options: Any) -> IngestSummary:
    """Ingest one source; see ``ingest_many``."""
    return ingest_many(ws, [source], **options)[0]


def ingest_many(
    ws: Workspace,
    sources: Sequence[str | Path],
    *,
    table: str = "events",
    mapping: Mapping[str, str | list[str]] | None = None,
    fmt: str | None = None,
    max_rejects: str | int | None = None,
    ts_format: str | None = None,
    db_table: str | None = None,
    query: str | None = None,
    progress: Callable[[str, float, int], None] | None = None,
    preset: str | None = None,
    where: str | None = None,
) -> list[IngestSummary]:
    """Load every source into ``table`` in one transaction (all or nothing).

    ``progress(label, fraction, estimated_rows)`` is called while a file is being read.
    ``preset`` names a log format read line by line (see ``applens.ingest.presets``).
    ``where`` is a SQL condition over the source's columns (typed as ingest would type
    them); rows it leaves out are counted as filtered, not rejected.
    """
    spec = table_spec(table)
    reader = get_preset(preset) if preset else None
    if reader is not None and fmt is not None:
        raise InvalidParameterError(
            f"--preset {preset} reads the file as lines of text; drop --input-format {fmt}.")
    explicit = {**ws.settings.mapping.get(table, {}), **(mapping or {})}
    if max_rejects is not None:
        limit = parse_max_rejects(max_rejects)
    else:
        limit = parse_max_rejects(ws.settings.max_rejects)
        if limit is not None:
            limit = replace(limit, name=f"max_rejects = {limit.text} (applens.toml or the "
                                         "default; pass --max-rejects to change it)")
    con = ws.connection
    con.execute(f"SET TimeZone = {literal(ws.settings.timezone)}")
    con.execute("BEGIN TRANSACTION")
    try:
        for ddl in LEDGER_DDL:
            con.execute(ddl)
        summaries = []
        for source in sources:
            loader = _Loader(ws, con, spec, explicit, limit, ts_format, progress, reader, where)
            summaries.append(loader.run(str(source), fmt=fmt, db_table=db_table, query=query))
        con.execute("COMMIT")
        return summaries
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("RESET disabled_optimizers")
        _drop_temp_tables(con)


class _Loader:
    """One source into one canonical table, inside the caller's transaction."""

    def __init__(self, ws, con, spec: TableSpec, explicit, limit, ts_format,  # noqa: ANN001
                 progress, preset: Preset | None = None, where: str | None = None) -> None:
        self.ws, self.con, self.spec, self.where = ws, con, spec, where
        self.explicit, self.limit = explicit, limit
        self.ts_format = ts_format or (preset.ts_format if preset else None)
        self.progress, self.preset = progress, preset
        self.started = time.monotonic()
        self.started_at = ws.now().replace(tzinfo=None)  # UTC, like finished_at

    # -- staging ------------------------------------------------------------------------
    def run(self, source: str, *, fmt: str | None, db_table: str | None, query: str | None
            ) -> IngestSummary:
        _drop_temp_tables(self.con)
        if is_db_url(source):
            if self.preset is not None:
                raise InvalidParameterError(
                    f"--preset {self.preset.name} reads log files, not databases; drop it "
                    f"to read {source.split('://')[0]}.")
            return self._run_db(source, db_table, query)
        return self._run_file(Path(source), fmt)

    def _run_file(self, path: Path, fmt: str | None) -> IngestSummary:
        info = detect(path, fmt)  # type: ignore[arg-type]
        label = str(path)
        fingerprint = file_fingerprint(path)
        previous = self._previous(fingerprint, label)
        if previous is not None:
            return IngestSummary(label, self.spec.name, self.preset.name if self.preset else
                                 info.format, skipped_as_duplicate_of=previous)
        # A log is lines of text (no CSV quoting to repair); the preset rejects bad lines.
        source = readable(info, self.ws.internal_dir, repair=self.preset is None)
        read_path = source.path
        try:
            fmt_label, relation = info.format, file_relation(info, read_path)
            if self.preset is not None:  # parsed once into a scratch table, in line order
                fmt_label, relation = self.preset.name, RAW
                with self._errors(label, fmt_label):
                    self.preset.stage(self.con, info, read_path, RAW)
            with self._errors(label, fmt_label):
                types = self._types(f"SELECT * FROM {relation}")
            mapping = resolve_mapping(self.spec, list(types), self.explicit, label)
            estimate = int(info.size * info.sample_rows_per_byte)
            return self._load(label, fingerprint, fmt_label, mapping, relation, types,
                              csv=relation != RAW and info.format == "csv", estimate=estimate,
                              source=source)
        finally:
            if read_path != path:
                read_path.unlink(missing_ok=True)

    def _run_db(self, url: str, db_table: str | None, query: str | None) -> IngestSummary:
        import pyarrow as pa

        src = db_source(url, table=db_table, query=query)
        names, batches = stream_db_rows(src)
        mapping = resolve_mapping(self.spec, names, self.explicit, src.label)
        columns = ", ".join(f"{ident(n)} VARCHAR" for n in names)
        self.con.execute(f"CREATE TEMP TABLE {RAW} ({columns})")
        schema = pa.schema([(n, pa.string()) for n in names])
        for batch in batches:
            # Text in, types out: the same parsing and checks as a CSV file.
            arrays = [pa.array([None if v is None else str(v) for v in col], pa.string())
                      for col in zip(*batch, strict=True)]
            chunk = pa.Table.from_arrays(arrays, schema=schema)  # noqa: F841 - read by DuckDB
            self.con.execute(f"INSERT INTO {RAW} SELECT * FROM chunk")
        hashed = ", ".join(ident(n) for n in names)
        count, total = self.con.execute(
            f"SELECT count(*), coalesce(sum(hash({hashed})::HUGEINT), 0) FROM {RAW}"
        ).fetchall()[0]
        fingerprint = f"rows:{count}:{total}"
        previous = self._previous(fingerprint, src.label)
        if previous is not None:
            return IngestSummary(src.label, self.spec.name, "db", skipped_as_duplicate_of=previous)
        types = {n: "VARCHAR" for n in names}
        return self._load(src.label, fingerprint, "db", mapping, RAW, types, csv=False,
                          estimate=count)

    def _previous(self, fingerprint: str, label: str) -> int | None:
        """The ingest that already loaded this content; its rejects still answer to the limit."""
        previous = self.con.execute(
            "SELECT min(ingest_id) FROM ingests WHERE fingerprint = ? AND target = ?",
            [fingerprint, self.spec.name],
        ).fetchall()[0][0]
        if previous is None or self.limit is None:
            return previous
        read, rejected = self.con.execute(
            "SELECT rows_read, rows_rejected FROM ingests WHERE ingest_id = ?", [previous]
        ).fetchall()[0]
        if self.limit.exceeded(rejected, read):
            raise TooManyRejectsError(self._too_many(
                f"{label} (already ingested as #{previous}, unchanged since)", previous,
                rejected, read, written=False))
        return previous

    def _types(self, sql: str) -> dict[str, str]:
        return dict(self.con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {sql})"
                                     ).fetchall())

    def _errors(self, label: str, fmt: str):  # noqa: ANN202
        return duckdb_errors(f"Cannot read {label} as {fmt.upper()}",
                            "Check that the file is complete and in the format its name says.")

    # -- typed insert -------------------------------------------------------------------
    def _load(self, label: str, fingerprint: str, fmt: str, mapping: ResolvedMapping,
              relation: str, types: dict[str, str], *, csv: bool, estimate: int,
              source: Readable | None = None) -> IngestSummary:
        con, spec = self.con, self.spec
        existing = self._existing_columns()
        text_props = [src for prop, src in mapping.extras.items()
                      if types[src] == "VARCHAR" and prop not in existing]
        passes = 2 + bool(text_props)
        inferred: dict[str, str] = {}
        if text_props:
            with self._errors(label, fmt), self._watch(label, estimate, 0, passes):
                inferred = infer_property_types(con, relation, text_props)

        ids = {name: sources[0] for name, sources in mapping.columns.items()
               if name.endswith("_id") and len(sources) == 1
               and types[sources[0]].startswith(("VARCHAR", "DOUBLE", "FLOAT", "DECIMAL"))}
        with self._errors(label, fmt):
            whole = whole_number_ids(con, relation, ids)
        latest = (self.ws.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        plans: list[ColumnPlan] = []
        for column in spec.columns:
            if column.name in mapping.columns or column.name in mapping.constants:
                raw = (literal(mapping.constants[column.name]) if column.name in
                       mapping.constants else raw_text(mapping.columns[column.name],
                                                       whole=column.name in whole))
                plan = plan_column(column, raw, timezone=self.ws.settings.timezone,
                                   latest=latest, ts_format=self.ts_format)
                plans.append(self.preset.adjust(plan) if self.preset else plan)
        for prop, src in mapping.extras.items():
            target = existing.get(prop) or inferred.get(src, types[src])
            plans.append(property_plan(prop, src, types[src], target))

        self._ensure_table(plans, existing)
        ingest_id = con.execute(
            "SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests"
        ).fetchall()[0][0]
        derive = spec.name == "events" and "session_id" not in mapping.columns
        kept, excluded = "", ""
        if self.where:
            relation = self._filtered(label, relation, types)
            kept, excluded = f" AND {KEEP}", f", {KEEP}"
        parsed = _parsed_select(plans, relation, keep=bool(self.where))
        numbered = _parsed_select(plans, relation, numbered=derive or bool(spec.key),
                                  keep=bool(self.where))
        good = (f"SELECT * EXCLUDE (_reason, _reject_column, _reject_value{excluded}) FROM "
                f"({numbered}) WHERE _reason IS NULL{kept}")
        if derive:
            good = with_sessions(good, self.ws.settings.session_gap_minutes, spec.name)
        names = ", ".join(ident(p.name) for p in plans) + (", session_id" if derive else "")
        with self._errors(label, fmt), self._watch(label, estimate, passes - 2, passes):
            if spec.key:
                good = (f"SELECT * FROM ({good}) QUALIFY row_number() OVER "
                        f"(PARTITION BY {ident(spec.key)} ORDER BY _row DESC) = 1")
                con.execute(f"CREATE TEMP TABLE {STAGE} AS {good}")
                good = f"SELECT * FROM {STAGE}"
                con.execute(f"DELETE FROM {spec.name} WHERE {ident(spec.key)} IN "
                            f"(SELECT {ident(spec.key)} FROM {STAGE})")
            with _parse_once(con):
                loaded = con.execute(
                    f"INSERT INTO {spec.name} BY NAME SELECT {names}, {ingest_id} AS _ingest_id "
                    f"FROM ({good})"
                ).fetchall()[0][0]
        scanned = con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
        malformed = csv and self._has_csv_rejects()  # rows the CSV reader could not split
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {SKIPPED} (line BIGINT)")
        if source and source.skipped:
            self.con.executemany(f"INSERT INTO {SKIPPED} VALUES (?)",
                                 [[n] for n, _, _ in source.skipped])
        with self._errors(label, fmt), self._watch(label, estimate, passes - 1, passes):
            line = _line_sql(csv=csv, structural=malformed)
            if scanned > loaded:  # a cheap count spares the second parse of a clean file
                con.execute(
                    f"INSERT INTO rejects SELECT {ingest_id}, {literal(label)}, "
                    f"{literal(spec.name)}, {line}, _reject_column, _reject_value, _reason "
                    f"FROM ({parsed}) WHERE _reason IS NOT NULL{kept}"
                )
        if malformed:
            con.execute(
                f"INSERT INTO rejects SELECT {ingest_id}, {literal(label)}, {literal(spec.name)}, "
                f"{_source_line('line')}, any_value(column_name), any_value(csv_line), "
                "'malformed CSV row: ' || string_agg(DISTINCT lower(error_type), ', ') "
                f"FROM {CSV_REJECTS} GROUP BY line"
            )
        for number, text, why in source.skipped if source else ():
            con.execute("INSERT INTO rejects VALUES (?, ?, ?, ?, NULL, ?, ?)",
                        [ingest_id, label, spec.name, number, text, why])
        rejected, = con.execute("SELECT count(*) FROM rejects WHERE ingest_id = ?",
                                [ingest_id]).fetchall()[0]
        filtered = 0
        if self.where:
            filtered = con.execute(f"SELECT count(*) FROM {relation} WHERE NOT {KEEP}"
                                   ).fetchall()[0][0]
        read = loaded + rejected + filtered
        reasons = dict(con.execute(
            "SELECT reason, count(*) FROM rejects WHERE ingest_id = ? GROUP BY reason "
            "ORDER BY count(*) DESC LIMIT 5", [ingest_id]).fetchall())
        if self.limit is not None and self.limit.exceeded(rejected, read - filtered):
            raise TooManyRejectsError(self._too_many(label, ingest_id, rejected, read - filtered))
        warnings = () if read else (
            f"{Path(label).name} has a header but no data rows; nothing was loaded.",)
        con.execute(
            "INSERT INTO ingests (ingest_id, source, fingerprint, target, format, rows_read, "
            "rows_loaded, rows_rejected, mapping, started_at, finished_at, rows_filtered) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ingest_id, label, fingerprint, spec.name, fmt, read, loaded, rejected,
             json.dumps({**mapping.to_json(), **({"where": self.where} if self.where else {})}),
             self.started_at, self.ws.now().replace(tzinfo=None), filtered],
        )
        return IngestSummary(
            label, spec.name, fmt, read, loaded, rejected, ingest_id, None, mapping.describe(),
            mapping.guessed, derive, round(time.monotonic() - self.started, 3), reasons,
            warnings, filtered,
        )

    def _filtered(self, label: str, relation: str, types: dict[str, str]) -> str:
        """``relation`` plus ``KEEP``: whether --where holds, judged on the columns typed as
        ingest types them (so ``Quantity > 0`` compares numbers in a CSV, not text)."""
        text = [name for name, kind in types.items() if kind == "VARCHAR"]
        with self._errors(label, "source"):
            inferred = infer_property_types(self.con, relation, text)
        names = list(types)
        typed = [ident(n) if inferred.get(n, "VARCHAR") == "VARCHAR" else
                 f"TRY_CAST(NULLIF(trim({ident(n)}), '') AS {inferred[n]})" for n in names]
        inner = ", ".join([*(f"{ident(n)} AS _w{i}" for i, n in enumerate(names)),
                           *(f"{t} AS {ident(n)}" for t, n in zip(typed, names, strict=True))])
        middle = (f"SELECT {', '.join(f'_w{i}' for i in range(len(names)))}, "
                  f"({self.where}) AS _k FROM (SELECT {inner} FROM {relation})")
        outer = ", ".join(f"_w{i} AS {ident(n)}" for i, n in enumerate(names))
        filtered = f"(SELECT {outer}, coalesce(_k, false) AS {KEEP} FROM ({middle}))"
        with duckdb_errors(f"--where {self.where!r} does not fit {label}",
                           f"Its columns are: {', '.join(names)}. Quote names with spaces "
                           'in double quotes, e.g. "Customer ID" IS NOT NULL.'):
            self.con.execute(f"SELECT {KEEP} FROM {filtered} LIMIT 0")
        return filtered

    def _watch(self, label: str, estimate: int, done: int, passes: int):  # noqa: ANN202
        """Progress of one pass over the source, as a share of all passes."""
        if self.progress is None:
            return watch_query(self.con, None)
        return watch_query(self.con, lambda f: self.progress(label, (done + f) / passes, estimate))

    def _has_csv_rejects(self) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [CSV_REJECTS]
        ).fetchall()[0][0]
        return bool(found) and self.con.execute(
            f"SELECT count(*) > 0 FROM {CSV_REJECTS}").fetchall()[0][0]

    def _existing_columns(self) -> dict[str, str]:
        return dict(self.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
            "AND NOT internal AND schema_name = 'main'", [self.spec.name]).fetchall())

    def _ensure_table(self, plans: list[ColumnPlan], existing: dict[str, str]) -> None:
        if not existing:
            canonical = [f"{ident(c.name)} {SQL_TYPES[c.kind]}" for c in self.spec.columns]
            props = [f"{ident(p.name)} {p.sql_type}" for p in plans
                     if self.spec.column(p.name) is None]
            self.con.execute(f"CREATE TABLE {self.spec.name} ({', '.join(canonical + props)}, "
                             "_ingest_id INTEGER)")
            return
        for plan in plans:
            if plan.name not in existing:
                self.con.execute(f"ALTER TABLE {self.spec.name} ADD COLUMN {ident(plan.name)} "
                                 f"{plan.sql_type}")

    def _too_many(self, label: str, ingest_id: int, rejected: int, read: int, *,
                  written: bool = True) -> str:
        """The breach in one line: counts by reason, each with its first line, column, value."""
        worst = self.con.execute(
            'SELECT reason, count(*), min(line), arg_min("column", line), arg_min(value, line) '
            "FROM rejects WHERE ingest_id = ? GROUP BY reason ORDER BY count(*) DESC, min(line) "
            "LIMIT 3", [ingest_id]).fetchall()
        shown = "; ".join(
            f"{n} × {why} (first at line {line}"
            + (f", column {col}" if col else "") + f", value {_clip(val)!r})"
            for why, n, line, col, val in worst)
        share = f"{rejected / read:.1%}" if read else "all"
        outcome = ("so nothing was written" if written
                   else "so this command fails; its rows stay as loaded then")
        limit = self.limit.name
        if limit == "--max-rejects":
            limit += f" {self.limit.text}"
        return (
            f"{label}: {rejected} of {read} rows ({share}) were rejected, more than {limit} "
            f"allows, {outcome}. By reason: {shown}. Fix the rows (or the column "
            "mapping) and retry, or raise --max-rejects."
        )


def _clip(value: str | None, width: int = 60) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[:width - 1] + "…"


@contextmanager
def _parse_once(con) -> Iterator[None]:  # noqa: ANN001
    """Keep the reject filter above the parsing projection.

    Filter pushdown would inline each parsed value into every check that names it, so a
    timestamp was parsed four times per row; without it the insert runs about 1.8x faster.
    """
    con.execute("SET disabled_optimizers = 'filter_pushdown'")
    yield  # on failure the transaction is aborted; ingest_many resets after the rollback
    con.execute("RESET disabled_optimizers")


def _drop_temp_tables(con) -> None:  # noqa: ANN001
    """Scratch tables of a load; dropped before each source and after the command."""
    for temp in (STAGE, RAW, SKIPPED, CSV_REJECTS, CSV_SCANS):
        con.execute(f"DROP TABLE IF EXISTS temp.{temp}")


def _parsed_select(plans: list[ColumnPlan], relation: str, *, numbered: bool = True,
                   keep: bool = False) -> str:
    """Typed columns plus the first failed check of each row (reason, column, raw value).

    Each column is parsed once: raw text in the inner query, the parsed value in the middle
    one, and the checks in the outer one refer to both by name.
    """
    raws = ", ".join(f"{p.raw} AS _r{i}" for i, p in enumerate(plans))
    values = ", ".join(f"{_refer(p.parsed, i)} AS _v{i}" for i, p in enumerate(plans))
    checks = [(p, _refer(c.failed, i), c.reason) for i, p in enumerate(plans) for c in p.checks]
    if checks:
        reason = "CASE " + " ".join(f"WHEN {f} THEN {r}" for _, f, r in checks) + " END"
        column = "CASE " + " ".join(f"WHEN {f} THEN {literal(p.name)}" for p, f, _ in checks)
        value = "CASE " + " ".join(f"WHEN {f} THEN _r{plans.index(p)}" for p, f, _ in checks)
        column, value = column + " END", value + " END"
    else:
        reason = column = value = "CAST(NULL AS VARCHAR)"
    typed = ", ".join(f"CAST(_v{i} AS {p.sql_type}) AS {ident(p.name)}"
                      for i, p in enumerate(plans))
    # Numbering rows costs a serial pass; only rejects, sessions and keys need it.
    row = "_row, " if numbered else ""
    row += f"{KEEP}, " if keep else ""
    inner = (f"SELECT {'row_number() OVER () AS _row, ' if numbered else ''}"
             f"{f'{KEEP}, ' if keep else ''}{raws} FROM {relation}")
    middle = (f"SELECT {row}{', '.join(f'_r{i}' for i in range(len(plans)))}, "
              f"{values} FROM ({inner})")
    return (f"SELECT {row}{typed}, {reason} AS _reason, {column} AS _reject_column, "
            f"{value} AS _reject_value FROM ({middle})")


def _refer(sql: str, index: int) -> str:
    return sql.replace(RAW_REF, f"_r{index}").replace(VALUE_REF, f"_v{index}")


def _line_sql(*, csv: bool, structural: bool) -> str:
    """Source line of a staged row: header + row number + malformed lines skipped before it,
    then the lines set aside before reading (``_source_line``)."""
    if not csv:
        return "_row"
    if not structural:
        return _source_line("_row + 1")
    skipped = (f"(SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) AS t "
               f"FROM (SELECT DISTINCT line FROM {CSV_REJECTS})) WHERE t <= _row)")
    return _source_line(f"_row + 1 + {skipped}")


def _source_line(line: str) -> str:
    """A line of the copy DuckDB read, as a line of the file: the copy lacks the lines that
    were set aside before reading (``SKIPPED``, in file lines)."""
    return (f"({line} + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line)"
            f" AS t FROM {SKIPPED}) WHERE t < ({line})))")
