"""``explain`` over 5 dimensions vs one hand-written grouped DuckDB query over the same ones.

    .venv/bin/python benchmarks/explain_bench.py                    # 100M events (the issue's size)
    .venv/bin/python benchmarks/explain_bench.py --events 2000000   # a quick try

Synthetic events (Parquet, 15 days, one user per ~500 events, dimensions os, app_version,
source, country, city) are generated with DuckDB and cached under benchmarks/data/. Two
metrics: ``events`` (a count) and ``dau`` (distinct users). applens runs
``explain(ws, METRIC, day 15, vs=day 8, by=5 dimensions)`` (singles and all 10 pairs) on a
workspace whose events table is a view over the file; the hand-written SQL is ONE grouped
query: for ``events`` a GROUP BY of the period and all 5 dimensions (a count adds up to
every single and pair), for ``dau`` GROUPING SETS over the 5 singles and 10 pairs with
count(DISTINCT user_id). Both run in their own child process with the same DuckDB settings;
their totals are compared. The ratio applens / SQL is the number the issue asks about
(target: within 2x).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402
from insights_bench import peak_of  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
DAYS = 15
START = "2024-03-01"
DAY, BASE = "2024-03-15", "2024-03-08"
DIMS = ["os", "app_version", "source", "country", "city"]
VALUES = {"os": 3, "app_version": 8, "source": 5, "country": 12, "city": 40}

_SETUP = """
import json, sys, tempfile, time
from applens.workspace import Workspace
ws = Workspace.init(tempfile.mkdtemp(prefix="explain-bench-"), memory_limit="{memory}",
                    threads={threads})
ws.connection.execute("SET enable_progress_bar = false")
ws.connection.execute("CREATE VIEW events AS SELECT * FROM read_parquet('{path}')")
"""

APPLENS_JOB = _SETUP + """
import datetime as dt
from applens.insights.explain import explain
t = time.perf_counter()
r = explain(ws, "{metric}", dt.date.fromisoformat("{day}"), vs=dt.date.fromisoformat("{base}"),
            by={dims!r})
print(json.dumps({{"query_seconds": time.perf_counter() - t, "value": r.value,
                  "baseline_value": r.baseline_value, "slices": len(r.slices),
                  "headline": r.headline()}}))
"""

SQL_JOB = _SETUP + """
t = time.perf_counter()
rows = ws.connection.execute({sql!r}).fetchall()
print(json.dumps({{"query_seconds": time.perf_counter() - t, "rows": len(rows),
                  "totals": {totals!r} and ws.connection.execute({totals!r}).fetchall()[0]}},
                 default=float))
"""


def _where() -> str:
    return (f"(ts >= TIMESTAMP '{DAY}' AND ts < TIMESTAMP '{DAY}' + INTERVAL 1 DAY) OR "
            f"(ts >= TIMESTAMP '{BASE}' AND ts < TIMESTAMP '{BASE}' + INTERVAL 1 DAY)")


def sql_for(metric: str) -> str:
    slot = f"(ts >= TIMESTAMP '{DAY}')::INT AS now"
    if metric == "events":
        return (f"SELECT {slot}, {', '.join(DIMS)}, count(*) AS n FROM events "
                f"WHERE {_where()} GROUP BY ALL")
    sets = [f"(now, {d})" for d in DIMS] + [
        f"(now, {a}, {b})" for a, b in itertools.combinations(DIMS, 2)]
    return (f"SELECT now, {', '.join(DIMS)}, count(DISTINCT user_id) AS n FROM "
            f"(SELECT {slot}, user_id, {', '.join(DIMS)} FROM events WHERE {_where()}) "
            f"GROUP BY GROUPING SETS ({', '.join(sets)})")


def totals_for(metric: str) -> str:
    """The two totals the SQL answer must agree with (checked outside the timing)."""
    what = "count(*)" if metric == "events" else "count(DISTINCT user_id)"
    return (f"SELECT {what} FILTER (WHERE ts >= TIMESTAMP '{DAY}'), {what} FILTER "
            f"(WHERE ts < TIMESTAMP '{DAY}') FROM events WHERE {_where()}")


def generate(n: int, path: Path) -> float:
    import duckdb

    users = max(n // 500, 10)
    started = time.perf_counter()
    con = duckdb.connect(config={"threads": os.cpu_count() or 2, "memory_limit": "3GB"})
    con.execute("SET TimeZone = 'UTC'; SELECT setseed(0.42)")
    picks = ", ".join(f"'{d}_' || CAST(floor(random() * {k}) AS INT) AS {d}"
                      for d, k in VALUES.items())
    tmp = path.with_suffix(".tmp")
    con.execute(f"""
        COPY (
          SELECT 'u' || CAST(floor(random() * {users}) AS BIGINT) AS user_id,
                 TIMESTAMP '{START}' + to_microseconds(CAST(floor(random() * {DAYS} * 86400e6)
                                                           AS BIGINT)) AS ts,
                 'view' AS event, {picks}
          FROM range({n})
        ) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.close()
    tmp.rename(path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--memory", default="3GB", help="DuckDB memory_limit (both sides)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="explain")
    args = parser.parse_args(argv)
    DATA.mkdir(exist_ok=True)
    path = DATA / f"explain_{args.events}.parquet"
    generated = generate(args.events, path) if not path.exists() else None
    common = {"memory": args.memory, "threads": args.threads, "path": str(path)}
    metrics = {}
    for metric in ("events", "dau"):
        applens = peak_of(APPLENS_JOB.format(**common, metric=metric, day=DAY, base=BASE,
                                             dims=DIMS))
        sql = peak_of(SQL_JOB.format(**common, sql=sql_for(metric),
                                     totals=totals_for(metric)))
        entry = {"applens": applens, "sql": sql, "sql_text": sql_for(metric)}
        if "query_seconds" in applens and "query_seconds" in sql:
            entry["same_totals"] = [applens["value"], applens["baseline_value"]] == [
                float(x) for x in sql["totals"]]
            entry["ratio_applens_over_sql"] = round(
                applens["query_seconds"] / sql["query_seconds"], 2)
        metrics[metric] = entry
    write_result(args.name, {"events": args.events, "days": DAYS, "dimensions": DIMS,
                             "values_per_dimension": VALUES, "duckdb_memory_limit": args.memory,
                             "threads": args.threads, "generate_seconds": generated,
                             "metrics": metrics})
    return 0


if __name__ == "__main__":
    sys.exit(main())
