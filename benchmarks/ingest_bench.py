"""Validated ingest of a 10-million-row event CSV against DuckDB's own unchecked copy.

Issue 18's yardstick: applens' ingest (every row checked, rejects kept, rollups kept in the
same transaction) within 1.25x of ``CREATE TABLE t AS SELECT * FROM read_csv(...)`` of the same
file, at no more memory. The variants run in child processes, in turn (A B C D, A B C D, ...),
so each ratio is taken pair by pair on the same, possibly busy, machine; we report each
variant's median seconds, CPU seconds and peak RSS, and the median of the per-round ratios.
Override the size with APPLENS_BENCH_ROWS and the rounds with APPLENS_BENCH_ROUNDS; pick
variants with APPLENS_BENCH_VARIANTS (comma-separated names). APPLENS_BENCH_BASELINE=DIR
(another checkout's ``src``) adds ``applens_ingest_baseline``: the same job on that code, in
the same rounds, so a change is measured before and after side by side.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_child, write_result  # noqa: E402

ROWS = int(os.environ.get("APPLENS_BENCH_ROWS", 10_000_000))
ROUNDS = int(os.environ.get("APPLENS_BENCH_ROUNDS", 3))
BASELINE = os.environ.get("APPLENS_BENCH_BASELINE")


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


# What `applens ingest events.csv` does: every check, rejects, ledger, rollups, one transaction.
APPLENS_JOB = """
from applens.ingest import ingest
from applens.workspace import Workspace
ws = Workspace.init({out!r})
summary = ingest(ws, {csv!r})
assert summary.rows_loaded == {rows}, summary
"""

# The floor: DuckDB copying the file into a table of the types it sniffs, with no checks.
DUCKDB_JOB = """
import duckdb
con = duckdb.connect({out!r})
con.execute("CREATE TABLE events AS SELECT * FROM read_csv({csv!r})")
assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] == {rows}
"""

# Arrow variant 1: pyarrow's multithreaded CSV reader (an Arrow dataset of text columns)
# scanned by the same validation SQL in place of DuckDB's reader; the rest is applens' ingest.
ARROW_READER_JOB = """
import pyarrow as pa, pyarrow.csv as pc, pyarrow.dataset as ds
import applens.ingest.read as read
from applens.ingest import ingest
from applens.workspace import Workspace
ws = Workspace.init({out!r})
names = open({csv!r}).readline().strip().split(",")
options = pc.ConvertOptions(column_types={{n: pa.string() for n in names}},
                            strings_can_be_null=False)
ws.connection.register("_arrow_csv", ds.dataset({csv!r}, format=ds.CsvFileFormat(
    convert_options=options, read_options=pc.ReadOptions(use_threads=True, block_size=1 << 24))))
read.file_relation = lambda info, path: "_arrow_csv"
summary = ingest(ws, {csv!r})
assert summary.rows_loaded == {rows}, summary
"""

# Arrow variant 2, a lower bound for checking in Arrow: pyarrow's streaming CSV reader, the
# main checks as pyarrow.compute expressions over each batch (timestamp parse and range,
# required columns not blank, blank text to NULL), good rows handed to DuckDB through Arrow
# one batch at a time. It writes no rejects, ledger or rollups, so the real thing costs more.
ARROW_BATCHES_JOB = """
import duckdb, pyarrow as pa, pyarrow.csv as csv, pyarrow.compute as pc
con = duckdb.connect({out!r}, config={{"memory_limit": "1GB"}})
names = open({csv!r}).readline().strip().split(",")
con.execute("CREATE TABLE events (" + ", ".join(
    n + (" TIMESTAMP" if n == "ts" else " VARCHAR") for n in names) + ", _ingest_id INTEGER)")
reader = csv.open_csv({csv!r}, read_options=csv.ReadOptions(use_threads=True, block_size=1 << 24),
                      convert_options=csv.ConvertOptions(
                          column_types={{n: pa.string() for n in names}}))
low, high = pa.scalar(631152000, pa.timestamp("s")), pa.scalar(1893456000, pa.timestamp("s"))
con.execute("BEGIN TRANSACTION")
loaded = rejected = 0
for batch in reader:
    ts = pc.strptime(batch["ts"], format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    cols, bad = {{"ts": ts}}, pc.or_kleene(pc.less(ts, low), pc.greater(ts, high))
    bad = pc.fill_null(pc.or_kleene(bad, pc.is_null(ts)), True)
    for n in names[1:]:
        text = batch[n]
        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(text), ""), True)
        cols[n] = pc.if_else(blank, pa.scalar(None, pa.string()), text)
        if n in ("user_id", "event"):
            bad = pc.or_(bad, blank)
    good = pa.table(cols).filter(pc.invert(bad))
    loaded += good.num_rows
    rejected += batch.num_rows - good.num_rows
    con.execute("INSERT INTO events SELECT *, 1 FROM good")
con.execute("COMMIT")
assert loaded == {rows}, (loaded, rejected)
"""

VARIANTS = {
    "duckdb_copy_without_checks": DUCKDB_JOB,
    "applens_ingest": APPLENS_JOB,
    "applens_ingest_arrow_reader": ARROW_READER_JOB,
    "arrow_batches_checks_lower_bound": ARROW_BATCHES_JOB,
}
ALL_VARIANTS = list(VARIANTS)
if BASELINE:
    VARIANTS["applens_ingest_baseline"] = (f"import sys; sys.path.insert(0, {BASELINE!r})\n"
                                           + APPLENS_JOB)
if os.environ.get("APPLENS_BENCH_VARIANTS"):
    _chosen = {"duckdb_copy_without_checks", *os.environ["APPLENS_BENCH_VARIANTS"].split(",")}
    VARIANTS = {name: job for name, job in VARIANTS.items() if name in _chosen}


def _summary(runs: list[dict[str, float]]) -> dict[str, object]:
    out: dict[str, object] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    out["rows_per_second"] = round(ROWS / float(out["seconds"]))  # type: ignore[arg-type]
    out["runs"] = runs
    return out


def _ratios(runs: dict[str, list[dict[str, float]]], name: str,
            over: str = "duckdb_copy_without_checks") -> dict[str, float]:
    floor = runs[over]
    return {key: round(statistics.median(a[key] / b[key] for a, b in
                                         zip(runs[name], floor, strict=True)), 3)
            for key in ("seconds", "cpu_seconds", "peak_rss_mib")}


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="applens-bench-"))
    try:
        csv = scratch / "events.csv"
        make_csv(csv, ROWS)
        size_mib = csv.stat().st_size / 2**20
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
        load: list[float] = []
        for _ in range(ROUNDS):
            for name, job in VARIANTS.items():
                out = scratch / name
                runs[name].append(run_child(job.format(out=str(out), csv=str(csv), rows=ROWS)))
                shutil.rmtree(out, ignore_errors=True)
                out.unlink(missing_ok=True)
                load.append(os.getloadavg()[0])
        write_result("ingest", {
            "rows": ROWS, "csv_mib": round(size_mib, 1), "rounds": ROUNDS,
            "variants": list(VARIANTS), "baseline_src": BASELINE,
            "left_out": [name for name in ALL_VARIANTS if name not in VARIANTS],
            "load_average_1min": [round(x, 2) for x in load],
            **{name: _summary(r) for name, r in runs.items()},
            "ratio_over_duckdb_copy": {name: _ratios(runs, name) for name in VARIANTS
                                       if name != "duckdb_copy_without_checks"},
            **({"ratio_over_baseline": _ratios(runs, "applens_ingest", "applens_ingest_baseline")}
               if BASELINE else {}),
            "goal": "applens_ingest within 1.25x of duckdb_copy_without_checks (median of the "
                    "per-round ratios of seconds), at no more peak memory",
            "note": "applens validates every row, keeps rejects, derives nothing (session_id "
                    "present), writes a transactional DuckDB table and keeps the rollups in the "
                    "same transaction; duckdb_copy_without_checks is DuckDB's own CSV-to-table "
                    "copy with its default memory limit (applens runs with 1GB); "
                    "arrow_batches_checks_lower_bound checks less and writes no rejects, ledger "
                    "or rollups.",
        })
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
