"""Reading a source into something DuckDB can scan: a file relation, a log parsed line by
line, or a database's rows as text; the rows --where keeps; and the way back from a staged
row to its file line.

Everything here lives in temporary tables of the load's own connection, dropped before each
source and after the command (``drop_temp_tables``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from applens._sql import ident
from applens.engines.detect import FileInfo
from applens.engines.duckdb import duckdb_errors
from applens.engines.files import file_relation
from applens.engines.repair import Readable, readable
from applens.ingest.presets import Preset
from applens.ingest.sources import CSV_REJECTS, CSV_SCANS
from applens.ingest.validate import KEEP, infer_property_types

__all__ = ["PARSED", "RAW", "SKIPPED", "STAGE", "Staged", "column_types", "drop_temp_tables",
           "has_csv_rejects", "line_sql", "read_errors", "source_line", "stage_db_rows",
           "stage_file", "where_filter"]

STAGE = "_applens_stage"
PARSED = "_applens_parsed"  # a keyed source's rows, parsed and checked (read once)
RAW = "_applens_raw"
SKIPPED = "_applens_skipped"  # file lines set aside before reading (broken quotes, NUL bytes)


@dataclass(frozen=True)
class Staged:
    """A file ready to scan: ``relation`` (SQL), its column types and the format it was read as."""

    relation: str
    fmt: str
    types: dict[str, str]
    csv: bool  # read by DuckDB's CSV reader (its rejects and line numbers apply)
    source: Readable


def drop_temp_tables(con) -> None:  # noqa: ANN001
    """Scratch tables of a load; dropped before each source and after the command."""
    for temp in (STAGE, PARSED, RAW, SKIPPED, CSV_REJECTS, CSV_SCANS):
        con.execute(f"DROP TABLE IF EXISTS temp.{temp}")


def column_types(con, sql: str) -> dict[str, str]:  # noqa: ANN001
    return dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {sql})").fetchall())


def read_errors(label: str, fmt: str):  # noqa: ANN201
    return duckdb_errors(f"Cannot read {label} as {fmt.upper()}",
                         "Check that the file is complete and in the format its name says.")


@contextmanager
def stage_file(con, path: Path, info: FileInfo, scratch: Path,  # noqa: ANN001
               preset: Preset | None) -> Iterator[Staged]:
    """The file as a relation; a transcoded or repaired copy is deleted afterwards."""
    label = str(path)
    # A log is lines of text (no CSV quoting to repair); the preset rejects bad lines.
    source = readable(info, scratch, repair=preset is None)
    read_path = source.path
    try:
        fmt, relation = info.format, file_relation(info, read_path)
        if preset is not None:  # parsed once into a scratch table, in line order
            fmt, relation = preset.name, RAW
            with read_errors(label, fmt):
                preset.stage(con, info, read_path, RAW)
        with read_errors(label, fmt):
            types = column_types(con, f"SELECT * FROM {relation}")
        yield Staged(relation, fmt, types, relation != RAW and info.format == "csv", source)
    finally:
        if read_path != path:
            read_path.unlink(missing_ok=True)


def stage_db_rows(con, names: list[str], batches: Iterable) -> tuple[int, str]:  # noqa: ANN001
    """A database's rows into ``RAW`` as text; returns the row count and a content fingerprint."""
    import pyarrow as pa  # only databases are staged through Arrow

    columns = ", ".join(f"{ident(n)} VARCHAR" for n in names)
    con.execute(f"CREATE TEMP TABLE {RAW} ({columns})")
    schema = pa.schema([(n, pa.string()) for n in names])
    for batch in batches:
        # Text in, types out: the same parsing and checks as a CSV file.
        arrays = [pa.array([None if v is None else str(v) for v in col], pa.string())
                  for col in zip(*batch, strict=True)]
        chunk = pa.Table.from_arrays(arrays, schema=schema)  # noqa: F841 - read by DuckDB
        con.execute(f"INSERT INTO {RAW} SELECT * FROM chunk")
    hashed = ", ".join(ident(n) for n in names)
    count, total = con.execute(
        f"SELECT count(*), coalesce(sum(hash({hashed})::HUGEINT), 0) FROM {RAW}"
    ).fetchall()[0]
    return count, f"rows:{count}:{total}"


def has_csv_rejects(con) -> bool:  # noqa: ANN001
    """Whether DuckDB's CSV reader set rows aside that it could not split."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [CSV_REJECTS]
    ).fetchall()[0][0]
    return bool(found) and con.execute(f"SELECT count(*) > 0 FROM {CSV_REJECTS}").fetchall()[0][0]


def line_sql(*, csv: bool, structural: bool) -> str:
    """Source line of a staged row: header + row number + malformed lines skipped before it,
    then the lines set aside before reading (``source_line``)."""
    if not csv:
        return "_row"
    if not structural:
        return source_line("_row + 1")
    skipped = (f"(SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) AS t "
               f"FROM (SELECT DISTINCT line FROM {CSV_REJECTS})) WHERE t <= _row)")
    return source_line(f"_row + 1 + {skipped}")


def source_line(line: str) -> str:
    """A line of the copy DuckDB read, as a line of the file: the copy lacks the lines that
    were set aside before reading (``SKIPPED``, in file lines)."""
    return (f"({line} + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line)"
            f" AS t FROM {SKIPPED}) WHERE t < ({line})))")


def where_filter(con, where: str, label: str, relation: str,  # noqa: ANN001
                 types: dict[str, str]) -> str:
    """``relation`` plus ``KEEP``: whether --where holds, judged on the columns typed as
    ingest types them (so ``Quantity > 0`` compares numbers in a CSV, not text)."""
    text = [name for name, kind in types.items() if kind == "VARCHAR"]
    with read_errors(label, "source"):
        inferred = infer_property_types(con, relation, text)
    names = list(types)
    typed = [ident(n) if inferred.get(n, "VARCHAR") == "VARCHAR" else
             f"TRY_CAST(NULLIF(trim({ident(n)}), '') AS {inferred[n]})" for n in names]
    inner = ", ".join([*(f"{ident(n)} AS _w{i}" for i, n in enumerate(names)),
                       *(f"{t} AS {ident(n)}" for t, n in zip(typed, names, strict=True))])
    middle = (f"SELECT {', '.join(f'_w{i}' for i in range(len(names)))}, "
              f"({where}) AS _k FROM (SELECT {inner} FROM {relation})")
    outer = ", ".join(f"_w{i} AS {ident(n)}" for i, n in enumerate(names))
    filtered = f"(SELECT {outer}, coalesce(_k, false) AS {KEEP} FROM ({middle}))"
    with duckdb_errors(f"--where {where!r} does not fit {label}",
                       f"Its columns are: {', '.join(names)}. Quote names with spaces "
                       'in double quotes, e.g. "Customer ID" IS NOT NULL.'):
        con.execute(f"SELECT {KEEP} FROM {filtered} LIMIT 0")
    return filtered
