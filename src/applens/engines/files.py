"""Read an events/users file (CSV, Parquet, JSON) into Arrow with DuckDB, ``ts`` as naive UTC."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from applens.errors import SourceError

__all__ = ["read_table"]

_TIME_COLUMNS = ("ts", "created_at")


def read_table(path: Path) -> pa.Table:
    """The file as an Arrow table; ISO-8601 ``ts``/``created_at`` text (offsets allowed)
    becomes a naive-UTC timestamp."""
    import duckdb

    if not path.is_file():
        raise SourceError(f"File '{path}' does not exist.")
    suffix = "".join(path.suffixes).lower()
    reader = ("read_parquet" if ".parquet" in suffix
              else "read_json_auto" if ".json" in suffix else "read_csv_auto")
    literal = str(path).replace("'", "''")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rel = con.sql(f"SELECT * FROM {reader}('{literal}')")
        columns = []
        for name, kind in zip(rel.columns, rel.types, strict=True):
            quoted = '"' + name.replace('"', '""') + '"'
            if name in _TIME_COLUMNS and str(kind) != "TIMESTAMP":
                columns.append(f"CAST(CAST({quoted} AS TIMESTAMPTZ) AS TIMESTAMP) AS {quoted}")
            else:
                columns.append(quoted)
        return con.sql(f"SELECT {', '.join(columns)} FROM {reader}('{literal}')").to_arrow_table()
    except duckdb.Error as exc:
        raise SourceError(f"Cannot read '{path}': {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
