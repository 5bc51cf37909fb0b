"""Ingest a 10-million-row event CSV: applens (DuckDB) vs pandas read_csv + to_parquet.

DuckDB's own unchecked CSV-to-table copy runs beside them as the floor. All run in child
processes on the same file in the same run; we report rows/s, peak RSS and their ratios.
Override the size with APPLENS_BENCH_ROWS.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_child, write_result  # noqa: E402

ROWS = int(os.environ.get("APPLENS_BENCH_ROWS", 10_000_000))


def make_csv(path: Path, rows: int) -> None:
    """A realistic event log (12 columns) written by DuckDB, deterministic."""
    import duckdb

    duckdb.sql(f"""
        COPY (SELECT
            TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND AS ts,
            'u' || (CAST(hash(i // 40) % 1000003 AS BIGINT) % 200000) AS user_id,
            ['view', 'view', 'view', 'like', 'message', 'app_open'][1 + i % 6] AS event,
            's' || (i // 40) AS session_id,
            ['3.1.0', '3.2.0', '3.2.1'][1 + (CAST(hash(i // 40) % 1000003 AS BIGINT) % 3)] AS app_version,
            ['ios', 'android', 'web'][1 + (CAST(hash(i // 40) % 1000003 AS BIGINT) % 3)] AS os,
            'device-' || (CAST(hash(i // 40) % 1000003 AS BIGINT) % 50) AS device,
            ['RU', 'US', 'DE', 'BR'][1 + (CAST(hash(i // 40) % 1000003 AS BIGINT) % 4)] AS country,
            'city-' || (CAST(hash(i // 40) % 1000003 AS BIGINT) % 300) AS city,
            CASE WHEN CAST(hash(i // 40) % 1000003 AS BIGINT) % 3 = 0 THEN 'ads' ELSE 'organic' END AS source,
            '10.' || (CAST(hash(i // 40) % 1000003 AS BIGINT) % 250) || '.' || (i % 250) || '.7' AS ip,
            CASE WHEN i % 6 = 4 THEN 'u' || (CAST(hash(i) % 200000 AS BIGINT)) END AS receiver_id
        FROM range({rows}) t(i)) TO '{path}' (HEADER)""")  # noqa: E501 - SQL kept verbatim


APPLENS_JOB = """
from applens.ingest import ingest
from applens.workspace import Workspace
ws = Workspace.init({ws!r})
summary = ingest(ws, {csv!r})
assert summary.rows_loaded == {rows}, summary
"""

# The Arrow variant tried for issue 18: pyarrow's multithreaded CSV reader (an Arrow dataset of
# text columns) scanned by the same validation SQL in place of DuckDB's reader. Measured at
# 10M: 1.34x the CPU and 1.6x the peak memory of the DuckDB reader, so ingest keeps DuckDB's.
ARROW_JOB = """
import pyarrow as pa, pyarrow.csv as pc, pyarrow.dataset as ds
import applens.ingest.read as read
from applens.ingest import ingest
from applens.workspace import Workspace
ws = Workspace.init({ws!r})
names = open({csv!r}).readline().strip().split(",")
options = pc.ConvertOptions(column_types={{n: pa.string() for n in names}},
                            strings_can_be_null=False)
ws.connection.register("_arrow_csv", ds.dataset({csv!r}, format=ds.CsvFileFormat(
    convert_options=options, read_options=pc.ReadOptions(use_threads=True, block_size=1 << 24))))
read.file_relation = lambda info, path: "_arrow_csv"
summary = ingest(ws, {csv!r})
assert summary.rows_loaded == {rows}, summary
"""

# The floor: DuckDB copying the file into a table of the types it sniffs, with no checks.
DUCKDB_JOB = """
import duckdb
con = duckdb.connect({db!r})
con.execute("CREATE TABLE events AS SELECT * FROM read_csv({csv!r})")
assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] == {rows}
"""

PANDAS_JOB = """
import pandas as pd
frame = pd.read_csv({csv!r}, parse_dates=["ts"])
frame.to_parquet({out!r})
assert len(frame) == {rows}
"""


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="applens-bench-"))
    try:
        csv = scratch / "events.csv"
        make_csv(csv, ROWS)
        size_mib = csv.stat().st_size / 2**20
        applens = run_child(APPLENS_JOB.format(ws=str(scratch / "ws"), csv=str(csv), rows=ROWS))
        arrow = run_child(ARROW_JOB.format(ws=str(scratch / "ws-arrow"), csv=str(csv),
                                           rows=ROWS))
        pandas = run_child(PANDAS_JOB.format(csv=str(csv), out=str(scratch / "p.parquet"),
                                             rows=ROWS))
        duckdb_copy = run_child(DUCKDB_JOB.format(db=str(scratch / "plain.duckdb"), csv=str(csv),
                                                  rows=ROWS))
        for result in (applens, arrow, pandas, duckdb_copy):
            result["rows_per_second"] = round(ROWS / result["seconds"])
        write_result("ingest", {
            "rows": ROWS, "csv_mib": round(size_mib, 1),
            "applens_ingest": applens, "pandas_read_csv_to_parquet": pandas,
            "speed_ratio_applens_over_pandas": round(pandas["seconds"] / applens["seconds"], 2),
            "applens_ingest_arrow_reader": arrow,
            "ratio_arrow_reader_over_duckdb_reader_seconds": round(
                arrow["seconds"] / applens["seconds"], 2),
            "duckdb_copy_without_checks": duckdb_copy,
            "speed_ratio_duckdb_copy_over_pandas": round(
                pandas["seconds"] / duckdb_copy["seconds"], 2),
            "speed_ratio_applens_over_duckdb_copy": round(
                duckdb_copy["seconds"] / applens["seconds"], 2),
            "memory_ratio_applens_over_pandas": round(
                applens["peak_rss_mib"] / pandas["peak_rss_mib"], 3),
            "note": "applens validates every row, derives nothing (session_id present), and "
                    "writes a transactional DuckDB table; pandas only parses and writes Parquet; "
                    "duckdb_copy_without_checks is DuckDB's own CSV-to-table copy (the floor "
                    "for any ingest into a DuckDB table on this machine).",
        })
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
