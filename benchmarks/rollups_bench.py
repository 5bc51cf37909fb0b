"""Rollups: insights from rollups vs by scan, ingest with vs without them, their storage, and
the no-workspace files path (``applens query --events FILE``) before and after its fix.

    .venv/bin/python benchmarks/rollups_bench.py                         # 10M events
    .venv/bin/python benchmarks/rollups_bench.py --events 100000000 --out rollups_100m \
        --memory 6GB --ingest-repeat 1 --repeat 2 --skip-files

The events are insights_bench's synthetic Parquet (90 days, one user per ~500 events; no
session_id, so ingest derives sessions). Everything runs side by side in one run, each job
in its own child process (time, CPU time, peak RSS): the same file is ingested into two
workspaces, one keeping rollups and one not, alternating (without, with, without, with;
ratios pair by pair); every question is answered in both of the rollup workspace's paths
(``path="scan"`` and the planner's choice) alternating scan, rollup, scan, rollup, and the
answers are compared; each child asks twice and reports the second (warm: a dashboard's
process) and the first (cold: a CLI call). The files path runs the funnel on
``--files-events`` events through the old route (every column to Arrow, then into an
in-memory DuckDB) and the new one (the CLI, answering from its scratch warehouse).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402
from insights_bench import DATA, SPECS, generate, peak_of  # noqa: E402

QUESTIONS = {
    "dau_wau_mau": SPECS["dau_wau_mau"],
    "weekly_lifecycle": SPECS["weekly_lifecycle"],
    "daily_stickiness": {"kind": "stickiness", "date_from": "2024-01-01",
                         "date_to": "2024-03-30"},
    "purchases_trend_monthly": {"kind": "trends", "interval": "month",
                                "series": [{"event": "purchase"}, {"event": None,
                                                                   "math": "dau"}],
                                "formula": "A / B", "date_from": "2024-01-01",
                                "date_to": "2024-03-30"},
    "weekly_retention": SPECS["weekly_retention"],
    "daily_retention": {"kind": "retention", "total_intervals": 14, "date_from": "2024-01-01",
                        "date_to": "2024-03-16"},
    "daily_retention_cumulative": {"kind": "retention", "total_intervals": 14,
                                   "cumulative": True, "date_from": "2024-01-01",
                                   "date_to": "2024-03-16"},
    "daily_retention_first_time": {"kind": "retention", "retention_type": "first_time",
                                   "total_intervals": 14, "date_from": "2024-01-01",
                                   "date_to": "2024-03-16"},
    "daily_retention_first_ever": {"kind": "retention", "retention_type": "first_ever",
                                   "total_intervals": 14, "date_from": "2024-01-01",
                                   "date_to": "2024-03-16"},
    # one event name: its day masks (not goal questions; --only these for a short pass)
    "purchase_dau_wau_mau": {"kind": "active_users", "event": "purchase",
                             "math": ["total", "dau", "wau", "mau"], "date_from": "2024-01-01",
                             "date_to": "2024-03-30"},
    "purchase_stickiness": {"kind": "stickiness", "event": "purchase",
                            "date_from": "2024-01-01", "date_to": "2024-03-30"},
    "purchase_retention_first_time": {"kind": "retention", "retention_type": "first_time",
                                      "target": {"event": "purchase"}, "total_intervals": 14,
                                      "date_from": "2024-01-01", "date_to": "2024-03-16"},
    # a breakdown ranks values by distinct users: no rollup holds that, so both paths scan
    "os_breakdown_trend": {"kind": "trends", "series": [{"event": "purchase"}],
                           "breakdown": {"property": "os"}, "date_from": "2024-01-01",
                           "date_to": "2024-03-30"},
}
GOAL_SECONDS, GOAL_SPEEDUP = 0.5, 20  # issue 18: each rollup answer, warm

INGEST_JOB = """
import json, time
from applens.ingest import ingest
from applens.workspace import Workspace
ws = Workspace.init({ws!r}, memory_limit={memory!r}, threads={threads})
t = time.perf_counter()
s = ingest(ws, {path!r}, rollups={rollups})
print(json.dumps({{"query_seconds": time.perf_counter() - t, "rows": s.rows_loaded}}))
"""

QUERY_JOB = """
import json, time
from applens.insights import query
from applens.workspace import Workspace
ws = Workspace({ws!r}, memory_limit={memory!r}, threads={threads})
spec = json.loads({spec!r})
t = time.perf_counter()
r = query(spec, ws, path={path!r})  # cold: the process's first query (a CLI call)
cold = time.perf_counter() - t
t = time.perf_counter()
r = query(spec, ws, path={path!r})  # warm: the dashboard's long-running process
print(json.dumps({{"query_seconds": time.perf_counter() - t, "cold_seconds": cold,
                  "answer": r.to_dict(), "plan": dict(r.plan)}}, default=str))
"""

STORAGE_JOB = """
import json
from applens.insights import rollups
from applens.workspace import Workspace
ws = Workspace({ws!r})
print(json.dumps(rollups.storage(ws.connection)))
"""

# The files path as it was: the scratch warehouse's tables copied to Arrow, then loaded
# into an in-memory DuckDB (no memory limit of its own) where the insight ran.
FILES_OLD_JOB = """
import json, time
from pathlib import Path
from applens.engines import open_engine
from applens.ingest.scratch import load_files
from applens.insights import run
t = time.perf_counter()
loaded = load_files({{"events": Path({path!r})}})
backend = open_engine("duckdb", loaded.tables)
answer = run(json.loads({spec!r}), backend).to_dict()
print(json.dumps({{"query_seconds": time.perf_counter() - t, "answer": answer}}))
"""

FILES_NEW_JOB = """
import json, subprocess, sys, time
t = time.perf_counter()
out = subprocess.run([sys.executable, "-m", "applens", "query", {spec!r}, "--events", {path!r},
                      "--format", "json"], capture_output=True, text=True, check=True).stdout
print(json.dumps({{"query_seconds": time.perf_counter() - t, "answer": json.loads(out)}}))
"""


def _parquet(n: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"insights_{n}.parquet"
    if not path.exists():
        print(f"generating {n:,} events -> {path}", flush=True)
        generate(n, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--files-events", type=int, default=5_000_000)
    parser.add_argument("--memory", default="3GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="query runs per path (best kept)")
    parser.add_argument("--ingest-repeat", type=int, default=2,
                        help="ingests per variant, alternating (best kept); 0: one ingest "
                             "with rollups, no ratio (a long pass that wants query figures)")
    parser.add_argument("--skip-files", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated question names (default: "
                                                    "all; a short pass over a few of them)")
    parser.add_argument("--out", default="rollups")
    args = parser.parse_args(argv)
    path = _parquet(args.events)
    common = {"memory": args.memory, "threads": args.threads}
    scratch = Path(tempfile.mkdtemp(prefix="applens-rollups-bench-"))
    payload: dict = {"events": args.events, "days": 90, "users": max(args.events // 500, 10),
                     "duckdb_memory_limit": args.memory, "threads": args.threads,
                     "load_average_1_5_15_at_start": os.getloadavg()}  # a shared machine
    try:
        with_ws, without_ws = str(scratch / "with"), str(scratch / "without")
        runs: dict[str, list[dict]] = {"without_rollups": [], "with_rollups": []}
        variants = (("without_rollups", False), ("with_rollups", True))
        if not args.ingest_repeat:
            runs, variants = {"with_rollups": []}, variants[1:]
        for _ in range(max(args.ingest_repeat, 1)):  # alternating: both see the same machine
            for label, keep in variants:
                ws = with_ws if keep else without_ws
                shutil.rmtree(ws, ignore_errors=True)
                runs[label].append(peak_of(INGEST_JOB.format(ws=ws, path=str(path),
                                                             rollups=keep, **common)))
        ingest: dict = {label: {"best_query_seconds": min(r["query_seconds"] for r in done),
                                "best_cpu_seconds": min(r["cpu_seconds"] for r in done),
                                "runs": done} for label, done in runs.items()}
        for key in ("query_seconds", "cpu_seconds") if args.ingest_repeat else ():
            ingest[f"ratio_with_over_without_{key}"] = round(
                ingest["with_rollups"][f"best_{key}"] / ingest["without_rollups"][f"best_{key}"],
                3)
            # pair by pair (each with-run against the without-run just before it)
            pairs = [w[key] / o[key] for o, w in zip(runs["without_rollups"],
                                                     runs["with_rollups"], strict=True)]
            ingest[f"pair_ratios_{key}"] = [round(r, 3) for r in pairs]
            ingest[f"median_pair_ratio_{key}"] = round(statistics.median(pairs), 3)
        payload["ingest"] = ingest
        print(json.dumps(ingest), flush=True)
        shutil.rmtree(without_ws, ignore_errors=True)
        sizes = peak_of(STORAGE_JOB.format(ws=with_ws))
        for key in ("wall_seconds", "peak_rss_mib", "cpu_seconds"):
            sizes.pop(key, None)
        events_bytes = sizes.pop("events")
        payload["storage_bytes"] = {"events": events_bytes, **sizes}
        payload["rollup_storage_share"] = round(sum(sizes.values()) / events_bytes, 4)
        print(json.dumps(payload["storage_bytes"]), flush=True)

        questions = {}
        wanted = [q for q in args.only.split(",") if q] or list(QUESTIONS)
        for name, spec in ((q, QUESTIONS[q]) for q in wanted):
            entry: dict = {}
            paths = (("scan", "scan"), ("planner", "auto"))
            done: dict[str, list[dict]] = {label: [] for label, _ in paths}
            for _ in range(args.repeat):  # scan, rollup, scan, rollup: the same machine
                for label, how in paths:
                    done[label].append(peak_of(QUERY_JOB.format(
                        ws=with_ws, spec=json.dumps(spec), path=how, **common)))
            for label, _ in paths:
                runs = done[label]
                best = min(runs, key=lambda r: r.get("query_seconds", float("inf")))
                entry[label] = {k: v for k, v in best.items() if k != "answer"}
                entry[label]["all_query_seconds"] = [round(r.get("query_seconds", -1), 3)
                                                     for r in runs]
                entry[label]["all_cold_seconds"] = [round(r.get("cold_seconds", -1), 3)
                                                    for r in runs]
                entry[label + "_answer"] = best.get("answer")
            entry["same_answer"] = entry.pop("scan_answer") == entry.pop("planner_answer")
            entry["planner_path"] = entry["planner"].get("plan", {}).get("path")
            entry["speedup_scan_over_planner"] = round(
                entry["scan"]["query_seconds"] / entry["planner"]["query_seconds"], 1)
            pairs = [a.get("query_seconds", 0) / b["query_seconds"] for a, b in zip(
                done["scan"], done["planner"], strict=True) if b.get("query_seconds")]
            entry["pair_speedups"] = [round(r, 1) for r in pairs]
            entry["median_pair_speedup"] = round(statistics.median(pairs), 1) if pairs else None
            entry["meets_goal"] = (entry["planner_path"] == "rollup" and entry["planner"][
                "query_seconds"] < GOAL_SECONDS and entry["speedup_scan_over_planner"] >=
                GOAL_SPEEDUP)
            questions[name] = entry
            print(name, json.dumps(entry), flush=True)
        payload["questions"] = questions

        if not args.skip_files:
            fpath = _parquet(args.files_events)
            spec = json.dumps(SPECS["funnel_3_steps_1d"])
            old = peak_of(FILES_OLD_JOB.format(path=str(fpath), spec=spec), timeout=1800)
            new = peak_of(FILES_NEW_JOB.format(path=str(fpath), spec=spec), timeout=1800)
            payload["files_path_funnel"] = {
                "events": args.files_events,
                "old_arrow_copy": {k: v for k, v in old.items() if k != "answer"},
                "new_scratch_warehouse": {k: v for k, v in new.items() if k != "answer"},
                "same_answer": old.get("answer") == new.get("answer"),
                "ratio_old_over_new_seconds": round(
                    old.get("query_seconds", 0) / new.get("query_seconds", 1), 2),
                "ratio_old_over_new_peak_rss": round(
                    old.get("peak_rss_mib", 0) / new.get("peak_rss_mib", 1), 2),
            }
            print(json.dumps(payload["files_path_funnel"]), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    payload["load_average_1_5_15_at_end"] = os.getloadavg()
    write_result(args.out, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
