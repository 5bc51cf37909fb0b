"""Reading data files, the one way every path reads them (ingest, ``--events``, frames).

What a file is comes from ``engines.detect``; lines that would corrupt the rows after them
are set aside by ``engines.repair``. CSV text is then read by DuckDB with that explicit
dialect (``file_relation``), so each bad line costs its own line only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from applens._sql import literal
from applens.engines.detect import FileInfo, detect
from applens.engines.duckdb import duckdb_errors
from applens.engines.repair import Readable, readable
from applens.errors import SourceError

if TYPE_CHECKING:  # pyarrow costs ~35 MiB of RSS; an ingest never needs it
    import pyarrow as pa

__all__ = ["CSV_REJECTS", "CSV_SCANS", "file_relation", "opened", "read_table"]

CSV_REJECTS = "_applens_csv_rejects"
CSV_SCANS = "_applens_csv_scans"


def file_relation(info: FileInfo, path: Path) -> str:
    """A DuckDB table function reading ``path`` (the file, or its UTF-8 copy)."""
    location = literal(str(path))
    if info.format == "parquet":
        return f"read_parquet({location})"
    compression = literal(info.compression if path == info.path else "none")
    if info.format == "json":
        return f"read_json_auto({location}, compression={compression})"
    columns = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in info.columns)
    # Explicit dialect and all-VARCHAR columns: the sniffer guesses wrong on broken files,
    # and typed reads would hide bad values instead of rejecting them with a reason. Lines
    # up to 10 MB in a 16 MB buffer (DuckDB sizes it at 16 lines' worth by default: 160 MB
    # a buffer, ~550 MiB of RSS more for a plain read of a 10M-row file).
    return (
        f"read_csv({location}, columns={{{columns}}}, auto_detect=false, header=true, "
        f"delim={literal(info.delimiter)}, quote='\"', escape='\"', compression={compression}, "
        f"store_rejects=true, rejects_table={literal(CSV_REJECTS)}, "
        f"rejects_scan={literal(CSV_SCANS)}, max_line_size=10000000, "
        "buffer_size=16000000)"
    )


# -- reading a file outside a workspace ----------------------------------------------
_TIME_COLUMNS = ("ts", "created_at")
_REFUSED = ("Fix the line, or load the file with 'applens ingest', which sets bad rows aside "
            "as rejects.")


@contextmanager
def opened(path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """An in-memory DuckDB connection and the SQL relation reading ``path`` the way
    ``applens ingest`` does. A file with a line ingest would reject is refused, naming it:
    call ``check_rows`` after the rows were read."""
    if not path.is_file():
        raise SourceError(f"File '{path}' does not exist.")
    info = detect(path)
    with tempfile.TemporaryDirectory(prefix="applens-") as folder:
        source = readable(info, Path(folder))
        if source.skipped:
            line, _, why = source.skipped[0]
            raise SourceError(f"{path} line {line}: {why}. {_REFUSED}")
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            with duckdb_errors(f"Cannot read '{path}'"):
                yield con, file_relation(info, source.path)
                _check_rows(con, path, source)
        finally:
            con.close()


def _check_rows(con: duckdb.DuckDBPyConnection, path: Path, source: Readable) -> None:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                        [CSV_REJECTS]).fetchall()[0][0]
    first = found and con.execute(f"SELECT line, lower(error_type) FROM {CSV_REJECTS} "
                                  "ORDER BY line LIMIT 1").fetchall()
    if first:
        line, why = first[0]
        raise SourceError(f"{path} line {source.source_line(line)}: malformed CSV row "
                          f"({why}). {_REFUSED}")


def read_table(path: Path) -> pa.Table:
    """The file as an Arrow table, read like ``applens ingest`` reads it; ISO-8601
    ``ts``/``created_at`` text (offsets allowed) becomes a naive-UTC timestamp."""
    with opened(Path(path)) as (con, relation):
        rel = con.sql(f"SELECT * FROM {relation}")
        columns = []
        for name, kind in zip(rel.columns, rel.types, strict=True):
            quoted = '"' + name.replace('"', '""') + '"'
            if name in _TIME_COLUMNS and str(kind) != "TIMESTAMP":
                columns.append(f"CAST(CAST({quoted} AS TIMESTAMPTZ) AS TIMESTAMP) AS {quoted}")
            else:
                columns.append(quoted)
        return con.sql(f"SELECT {', '.join(columns)} FROM {relation}").to_arrow_table()
