"""Insights at scale: applens vs hand-written DuckDB SQL vs pandas (and PySpark for reference).

    .venv/bin/python benchmarks/insights_bench.py                    # 100M events (make bench)
    .venv/bin/python benchmarks/insights_bench.py --events 2000000   # a quick try

Synthetic events (Parquet, 90 days, one user per ~500 events) are generated with DuckDB and
cached under benchmarks/data/. Four questions: DAU/WAU/MAU by day, a weekly retention grid,
weekly lifecycle, a 3-step funnel with a 1-day window. Every job runs in its own child
process (time of the question itself, peak RSS of the child). applens and SQL use the same
DuckDB settings (memory_limit, threads) over a view on the Parquet file, and their answers
are compared. pandas runs on a subsample (``--pandas-events``) in a child with an address-
space cap (``--pandas-cap-gib``), so it cannot take the machine down; a MemoryError is
recorded as out of memory. Spark runs the applens specs on PySpark local over the subsample.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
DAYS = 90
START = "2024-01-01"  # a Monday: weeks (Monday start) line up with DuckDB's date_trunc
FROM, TO = "2024-01-01", "2024-03-30"  # 90 days
WEEK_FROM, WEEK_TO = "2024-01-01", "2024-03-25"  # 13 Monday weeks
MIX = [("app_open", 0.40), ("view", 0.30), ("click", 0.19), ("add_to_cart", 0.06),
       ("purchase", 0.03), ("signup", 0.02)]

SPECS = {
    "dau_wau_mau": {"kind": "active_users", "math": ["dau", "wau", "mau"],
                    "date_from": FROM, "date_to": TO},
    "weekly_retention": {"kind": "retention", "interval": "week", "week_start": "monday",
                         "total_intervals": 13, "date_from": WEEK_FROM, "date_to": WEEK_TO},
    "weekly_lifecycle": {"kind": "lifecycle", "interval": "week", "week_start": "monday",
                         "date_from": WEEK_FROM, "date_to": WEEK_TO},
    "funnel_3_steps_1d": {"kind": "funnel", "steps": [{"event": "signup"},
                                                      {"event": "add_to_cart"},
                                                      {"event": "purchase"}],
                          "conversion_window": {"value": 1, "unit": "day"},
                          "date_from": FROM, "date_to": TO},
}

# Hand-written DuckDB SQL for the same questions (UTC; weeks start on Monday).
SQL = {
    "dau_wau_mau": f"""
        WITH d AS (SELECT DISTINCT user_id, CAST(ts AS DATE) AS day FROM events
                   WHERE ts >= DATE '{FROM}' - INTERVAL 29 DAY AND ts < DATE '{TO}' + 1),
        days AS (SELECT CAST(unnest(range(DATE '{FROM}', DATE '{TO}' + 1, INTERVAL 1 DAY))
                        AS DATE) AS day)
        SELECT days.day,
               count(DISTINCT d.user_id) FILTER (WHERE d.day = days.day) AS dau,
               count(DISTINCT d.user_id) FILTER (WHERE d.day > days.day - 7) AS wau,
               count(DISTINCT d.user_id) AS mau
        FROM days JOIN d ON d.day > days.day - 30 AND d.day <= days.day
        GROUP BY 1 ORDER BY 1""",
    "weekly_retention": f"""
        WITH w AS (SELECT DISTINCT user_id, date_trunc('week', ts) AS wk FROM events
                   WHERE ts >= DATE '{WEEK_FROM}' AND ts < DATE '{WEEK_TO}' + 7)
        SELECT c.wk AS cohort, date_diff('week', c.wk, r.wk) AS k, count(*) AS n
        FROM w c JOIN w r ON r.user_id = c.user_id AND r.wk >= c.wk
        WHERE c.wk <= DATE '{WEEK_TO}' AND date_diff('week', c.wk, r.wk) < 13
        GROUP BY ALL ORDER BY 1, 2""",
    "weekly_lifecycle": f"""
        WITH first AS (SELECT user_id, date_trunc('week', min(ts)) AS born FROM events
                       GROUP BY 1),
        w AS (SELECT DISTINCT user_id, date_trunc('week', ts) AS wk FROM events
              WHERE ts >= DATE '{WEEK_FROM}' - 7 AND ts < DATE '{WEEK_TO}' + 7),
        s AS (SELECT w.*, f.born,
                     lag(wk) OVER (PARTITION BY w.user_id ORDER BY wk) AS prev,
                     lead(wk) OVER (PARTITION BY w.user_id ORDER BY wk) AS nxt
              FROM w JOIN first f USING (user_id)),
        rows AS (
          SELECT wk, CASE WHEN prev IS NULL AND born = wk THEN 'new'
                          WHEN prev = wk - INTERVAL 7 DAY THEN 'returning'
                          ELSE 'resurrecting' END AS status FROM s
          UNION ALL
          SELECT wk + INTERVAL 7 DAY, 'dormant' FROM s
          WHERE nxt IS NULL OR nxt <> wk + INTERVAL 7 DAY)
        SELECT wk, status, count(*) AS n FROM rows
        WHERE wk >= DATE '{WEEK_FROM}' AND wk <= DATE '{WEEK_TO}' GROUP BY ALL ORDER BY 1, 2""",
    "funnel_3_steps_1d": f"""
        WITH s0 AS (SELECT DISTINCT user_id, ts AS t0 FROM events WHERE event = 'signup'
                    AND ts >= DATE '{FROM}' AND ts < DATE '{TO}' + 1),
        s1 AS (SELECT DISTINCT user_id, ts FROM events WHERE event = 'add_to_cart'
               AND ts >= DATE '{FROM}'),
        s2 AS (SELECT DISTINCT user_id, ts FROM events WHERE event = 'purchase'
               AND ts >= DATE '{FROM}'),
        a1 AS (SELECT s0.user_id, t0, min(s1.ts) AS t1 FROM s0 LEFT JOIN s1
               ON s1.user_id = s0.user_id AND s1.ts >= t0 AND s1.ts <= t0 + INTERVAL 1 DAY
               GROUP BY ALL),
        a2 AS (SELECT a1.user_id, t0, t1, min(s2.ts) AS t2 FROM a1 LEFT JOIN s2
               ON s2.user_id = a1.user_id AND s2.ts >= t1 AND s2.ts <= t0 + INTERVAL 1 DAY
               GROUP BY ALL),
        best AS (SELECT user_id, max((t1 IS NOT NULL)::INT + (t2 IS NOT NULL)::INT) + 1 AS r
                 FROM a2 GROUP BY 1)
        SELECT count(*) AS c0, count(*) FILTER (WHERE r >= 2) AS c1,
               count(*) FILTER (WHERE r >= 3) AS c2 FROM best""",
}

_DUCKDB_SETUP = """
import duckdb, json, sys, time
con = duckdb.connect(config={{"memory_limit": "{memory}", "threads": {threads}}})
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")  # it writes to stdout
con.execute("CREATE VIEW events AS SELECT * FROM read_parquet('{path}')")
"""

APPLENS_JOB = _DUCKDB_SETUP + """
import ibis
from applens.insights import run
backend = ibis.duckdb.from_connection(con)
spec = json.loads({spec!r})
t = time.perf_counter()
result = run(spec, backend).to_dict()
print(json.dumps({{"query_seconds": time.perf_counter() - t, "answer": result}}, default=str))
"""

SQL_JOB = _DUCKDB_SETUP + """
t = time.perf_counter()
rows = con.execute({sql!r}).fetchall()
print(json.dumps({{"query_seconds": time.perf_counter() - t, "answer": rows}}, default=str))
"""

PANDAS_JOB = """
import json, time, sys
import pandas as pd
try:
    t = time.perf_counter()
    ev = pd.read_parquet({path!r}, columns=["user_id", "ts", "event"])
    load = time.perf_counter() - t
    out = {{}}
    t = time.perf_counter()
    ev["day"] = ev.ts.dt.floor("D")
    daily = ev[["user_id", "day"]].drop_duplicates()
    days = pd.date_range({FROM!r}, {TO!r}, freq="D")
    dau = daily.groupby("day").user_id.nunique().reindex(days, fill_value=0)
    wau = [daily[(daily.day > d - pd.Timedelta(days=7)) & (daily.day <= d)].user_id.nunique()
           for d in days]
    mau = [daily[(daily.day > d - pd.Timedelta(days=30)) & (daily.day <= d)].user_id.nunique()
           for d in days]
    out["dau_wau_mau"] = time.perf_counter() - t
    t = time.perf_counter()
    ev["wk"] = ev.ts.dt.to_period("W-SUN").dt.start_time
    weekly = ev[["user_id", "wk"]].drop_duplicates()
    pairs = weekly.merge(weekly, on="user_id", suffixes=("", "_r"))
    pairs = pairs[(pairs.wk_r >= pairs.wk)]
    pairs["k"] = (pairs.wk_r - pairs.wk).dt.days // 7
    grid = pairs[pairs.k < 13].groupby(["wk", "k"]).size()
    out["weekly_retention"] = time.perf_counter() - t
    t = time.perf_counter()
    weekly = weekly.sort_values(["user_id", "wk"])
    weekly["prev"] = weekly.groupby("user_id").wk.shift(1)
    weekly["nxt"] = weekly.groupby("user_id").wk.shift(-1)
    born = ev.groupby("user_id").ts.min().dt.to_period("W-SUN").dt.start_time.rename("born")
    weekly = weekly.join(born, on="user_id")
    week = pd.Timedelta(days=7)
    status = (weekly.prev.isna() & (weekly.born == weekly.wk)).map({{True: "new", False: None}})
    status = status.where(status.notna(), (weekly.prev == weekly.wk - week).map(
        {{True: "returning", False: "resurrecting"}}))
    dormant = weekly[weekly.nxt.isna() | (weekly.nxt != weekly.wk + week)].wk + week
    counts = pd.concat([pd.DataFrame({{"wk": weekly.wk, "s": status}}),
                        pd.DataFrame({{"wk": dormant, "s": "dormant"}})])
    counts = counts.groupby(["wk", "s"]).size()
    out["weekly_lifecycle"] = time.perf_counter() - t
    t = time.perf_counter()
    s0 = ev[ev.event == "signup"][["user_id", "ts"]].rename(columns={{"ts": "t0"}})
    s1 = ev[ev.event == "add_to_cart"][["user_id", "ts"]].rename(columns={{"ts": "t1"}})
    s2 = ev[ev.event == "purchase"][["user_id", "ts"]].rename(columns={{"ts": "t2"}})
    day = pd.Timedelta(days=1)
    a1 = s0.merge(s1, on="user_id", how="left")
    a1 = a1[a1.t1.isna() | ((a1.t1 >= a1.t0) & (a1.t1 <= a1.t0 + day))]
    a1 = s0.merge(a1.groupby(["user_id", "t0"]).t1.min().reset_index(), how="left")
    a2 = a1.merge(s2, on="user_id", how="left")
    ok = (a2.t2 >= a2.t1) & (a2.t2 <= a2.t0 + day)
    a2.loc[~ok, "t2"] = pd.NaT
    a2 = a2.groupby(["user_id", "t0"], dropna=False).agg(t1=("t1", "min"), t2=("t2", "min"))
    r = 1 + a2.t1.notna().astype(int) + a2.t2.notna().astype(int)
    best = r.groupby(level=0).max()
    steps = [int(len(best)), int((best >= 2).sum()), int((best >= 3).sum())]
    out["funnel_3_steps_1d"] = time.perf_counter() - t
    print(json.dumps({{"load_seconds": load, "query_seconds": out}}))
except MemoryError:
    print(json.dumps({{"out_of_memory": True}}))
"""

SPARK_JOB = """
import json, time
t = time.perf_counter()
from applens.engines import spark
from applens.insights import run
session = spark.session(cores={threads}, memory="3g")
session.read.parquet({path!r}).createOrReplaceTempView("events")
backend = spark.connect(session)
start = time.perf_counter() - t
out = {{}}
for name, spec in json.loads({specs!r}).items():
    t = time.perf_counter()
    run(spec, backend)
    out[name] = time.perf_counter() - t
print(json.dumps({{"session_start_seconds": start, "query_seconds": out}}))
"""


def generate(n: int, path: Path) -> float:
    """``n`` events over 90 days for n/500 users, written by DuckDB (no pandas)."""
    import duckdb

    users = max(n // 500, 10)
    cases, acc = [], 0.0
    for name, share in MIX[:-1]:
        acc += share
        cases.append(f"WHEN r < {acc:.4f} THEN '{name}'")
    started = time.perf_counter()
    con = duckdb.connect(config={"threads": os.cpu_count() or 2, "memory_limit": "3GB"})
    con.execute("SET TimeZone = 'UTC'; SELECT setseed(0.42)")
    tmp = path.with_suffix(".tmp")
    con.execute(f"""
        COPY (
          SELECT 'u' || CAST(floor(random() * {users}) AS BIGINT) AS user_id,
                 TIMESTAMP '{START}' + to_microseconds(CAST(floor(random() * {DAYS} * 86400e6)
                                                           AS BIGINT)) AS ts,
                 CASE {' '.join(cases)} ELSE '{MIX[-1][0]}' END AS event,
                 ['ios', 'android', 'web'][1 + CAST(floor(random() * 3) AS INT)] AS os
          FROM (SELECT random() AS r FROM range({n}))
        ) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.close()
    tmp.rename(path)
    return time.perf_counter() - started


def child(code: str, cap_bytes: int | None = None, timeout: float = 3600) -> dict:
    """Run ``python -c code``; its JSON line plus wall seconds and peak RSS (MiB)."""
    def limit() -> None:
        if cap_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=limit)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"timed_out_after_seconds": timeout}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # max over children so far
    result: dict = {"wall_seconds": round(time.perf_counter() - started, 2),
                    "peak_rss_mib_max_so_far": round(usage.ru_maxrss / 1024, 1)}
    if proc.returncode != 0:
        lines = [x for x in err.strip().splitlines() if "Error" in x] or err.splitlines()[-1:]
        result["error"] = (lines[-1] if lines else "?")[:300]
        if any(s in err for s in ("MemoryError", "Out of Memory", "Cannot allocate")) or \
                proc.returncode == -9:
            result["out_of_memory"] = True
        return result
    result.update(json.loads(out.strip().splitlines()[-1]))
    return result


def peak_of(code: str, **kwargs) -> dict:
    """``child`` with the child's own peak RSS (a fresh grandchild measures just one job)."""
    wrapper = f"""
import json, os, resource, subprocess, sys
p = subprocess.run([sys.executable, "-c", {code!r}], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss / 1024
if p.returncode != 0:
    sys.stderr.write(p.stderr); sys.exit(p.returncode)
line = json.loads(p.stdout.strip().splitlines()[-1])
line["peak_rss_mib"] = round(peak, 1)
line["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)  # the job's, all threads
print(json.dumps(line, default=str))
"""
    result = child(wrapper, **kwargs)
    result.pop("peak_rss_mib_max_so_far", None)
    return result


def _same(name: str, applens: dict, rows: list) -> bool:
    """applens's answer equals the SQL rows (contract shape vs row shape)."""
    if name == "dau_wau_mau":
        return [applens["dau"], applens["wau"], applens["mau"]] == [
            [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]]
    if name == "weekly_retention":
        cohorts = sorted({r[0] for r in rows})
        cell = {(r[0], r[1]): r[2] for r in rows}
        grid = [[cell.get((c, k), 0) for k in range(13)] for c in cohorts]
        return applens["counts"][: len(grid)] == grid
    if name == "weekly_lifecycle":
        weeks = sorted({r[0] for r in rows})
        cell = {(r[0], r[1]): r[2] for r in rows}
        return all(applens[s][i] == (-1 if s == "dormant" else 1) * cell.get((w, s), 0)
                   for i, w in enumerate(weeks) for s in ("new", "returning", "resurrecting",
                                                          "dormant"))
    return applens["step_counts"] == list(rows[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--pandas-events", type=int, default=5_000_000)
    parser.add_argument("--pandas-cap-gib", type=float, default=6.0)
    parser.add_argument("--spark-events", type=int, default=5_000_000)
    parser.add_argument("--memory", default="3GB", help="DuckDB memory_limit (applens and SQL)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["pandas", "spark"])
    parser.add_argument("--out", default="insights")
    parser.add_argument("--only", nargs="*", choices=list(SPECS), default=None,
                        help="rerun these questions; keep the others from the last result")
    args = parser.parse_args(argv)

    DATA.mkdir(exist_ok=True)
    sizes = {args.events, min(args.pandas_events, args.events),
             min(args.spark_events, args.events)}
    gen_seconds = {}
    for n in sorted(sizes):
        path = DATA / f"insights_{n}.parquet"
        if not path.exists():
            print(f"generating {n:,} events -> {path}", flush=True)
            gen_seconds[n] = round(generate(n, path), 1)
    path = DATA / f"insights_{args.events}.parquet"
    common = {"memory": args.memory, "threads": args.threads, "path": str(path)}

    questions, previous = {}, {}
    result_file = Path(__file__).resolve().parent / "results" / f"{args.out}.json"
    if args.only is not None and result_file.exists():
        previous = json.loads(result_file.read_text())
        questions = previous.get("questions", {})
    for name, spec in SPECS.items():
        if args.only is not None and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        app = peak_of(APPLENS_JOB.format(spec=json.dumps(spec), **common))
        sql = peak_of(SQL_JOB.format(sql=SQL[name], **common))
        entry = {"applens": {k: v for k, v in app.items() if k != "answer"},
                 "sql": {k: v for k, v in sql.items() if k != "answer"}}
        if "answer" in app and "answer" in sql:
            entry["same_answer"] = _same(name, app["answer"], sql["answer"])
            entry["ratio_applens_over_sql"] = round(app["query_seconds"] / sql["query_seconds"], 2)
        questions[name] = entry
        print(json.dumps(entry), flush=True)

    payload = {"events": args.events, "days": DAYS, "users": max(args.events // 500, 10),
               "duckdb_memory_limit": args.memory, "threads": args.threads,
               "generate_seconds": gen_seconds or previous.get("generate_seconds", {}),
               "questions": questions}
    for key in ("pandas", "spark_local"):
        if key in previous:
            payload[key] = previous[key]
    if "pandas" not in args.skip:
        n = min(args.pandas_events, args.events)
        payload["pandas"] = {
            "events": n, "address_space_cap_gib": args.pandas_cap_gib,
            **peak_of(PANDAS_JOB.format(path=str(DATA / f"insights_{n}.parquet"), FROM=FROM,
                                        TO=TO), cap_bytes=int(args.pandas_cap_gib * 2**30)),
        }
        print(json.dumps(payload["pandas"]), flush=True)
    if "spark" not in args.skip:
        n = min(args.spark_events, args.events)
        payload["spark_local"] = {
            "events": n,
            **peak_of(SPARK_JOB.format(path=str(DATA / f"insights_{n}.parquet"),
                                       specs=json.dumps(SPECS), threads=args.threads),
                      timeout=1800),
        }
        print(json.dumps(payload["spark_local"]), flush=True)
    write_result(args.out, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
