#!/usr/bin/env python3
"""Models at scale: train and predict time and peak memory on a large synthetic population.

    .venv/bin/python benchmarks/models_bench.py [--users 1000000] [--days 21] [--models LIST]

The events are synthesised straight into a workspace warehouse with DuckDB SQL (sessions of
views, likes, messages and rare crashes; users who stop at a random day), so the benchmark
measures applens, not a generator. Train and predict each run in a child process, measured
for wall time and peak RSS. Output: benchmarks/results/models.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402


def run_child(code: str) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of ``python -c code``: on a shared
    machine CPU time is the steadier number."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("benchmark child failed")
    return {"seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}

EVENTS_SQL = """
CREATE OR REPLACE TABLE users AS
SELECT 'u' || i AS user_id,
       TIMESTAMP '{start}' - INTERVAL (hash(i, 1) % 200) DAY AS created_at,
       (18 + hash(i, 2) % 50)::BIGINT AS age,
       CASE WHEN hash(i, 3) % 10 < 4 THEN 'ads' ELSE 'organic' END AS source,
       CASE WHEN hash(i, 4) % 2 = 0 THEN 'female' ELSE 'male' END AS gender
FROM range({users}) t(i);

CREATE OR REPLACE TABLE events AS
WITH people AS (
  SELECT i, 'u' || i AS user_id,
         0.05 + (hash(i, 5) % 60) / 100.0 AS p_active,
         -- ads users leave sooner: the day they stop (beyond the data = stays)
         CASE WHEN hash(i, 3) % 10 < 4 THEN hash(i, 6) % 30 ELSE hash(i, 6) % 90 END AS stop_day,
         ['4.8.2', '4.9.0', '4.9.1', '5.0.0'][(1 + hash(i, 7) % 4)::BIGINT] AS app_version,
         CASE WHEN hash(i, 8) % 3 = 0 THEN 'iOS' ELSE 'Android' END AS os,
         (hash(i, 9) % 200)::VARCHAR || '.' || (hash(i, 10) % 250)::VARCHAR || '.1.1' AS ip,
         (hash(i, 11) % 100) < 40 AS messenger
  FROM range({users}) t(i)
), days AS (
  SELECT p.*, d FROM people p, range({days}) r(d)
  WHERE d < p.stop_day AND random() < p.p_active
), sessions AS (
  SELECT *, TIMESTAMP '{start}' + INTERVAL (d) DAY
            + INTERVAL (6 + (hash(i, d) % 17)) HOUR AS s_start,
         user_id || ':' || d AS session_id, 2 + hash(i, d, 1) % 6 AS n
  FROM days
)
SELECT s_start + INTERVAL (k * (5 + hash(i, d, k) % 40)) SECOND AS ts, user_id,
       CASE WHEN k = 0 THEN 'app_open'
            WHEN k = n - 1 AND hash(i, d, 2) % 100
                 < (CASE WHEN app_version = '4.9.1' THEN 6 ELSE 1 END) THEN 'crash'
            WHEN messenger AND hash(i, d, k, 3) % 4 = 0 THEN 'message'
            WHEN hash(i, d, k, 4) % 5 = 0 THEN 'like' ELSE 'view' END AS event,
       session_id, app_version, os,
       CASE WHEN os = 'iOS' THEN 'iPhone 14' ELSE 'Google Pixel 7' END AS device,
       CAST(NULL AS VARCHAR) AS country, CAST(NULL AS VARCHAR) AS city,
       CAST(NULL AS VARCHAR) AS source, ip, CAST(NULL AS VARCHAR) AS path,
       CAST(NULL AS VARCHAR) AS screen,
       CASE WHEN messenger AND hash(i, d, k, 3) % 4 = 0
            THEN 'u' || (hash(i, d, k, 5) % {users}) END AS receiver_id,
       CAST(NULL AS DOUBLE) AS value
FROM sessions, range(8) r(k)
WHERE k < n;
"""

# One lookback for both models: predict then computes the user features once for both.
TOML = """
[models.churn]
horizon_days = 7
lookback_days = 14

[models.personas]
lookback_days = 14
"""


def build(folder: Path, users: int, days: int) -> dict[str, int]:
    from applens.workspace import Workspace

    with Workspace.init(folder) as ws:
        # The default 1GB DuckDB memory limit stays: memory must be bounded by it, not by data.
        (folder / "applens.toml").write_text((folder / "applens.toml").read_text() + TOML)
    with Workspace(folder) as ws:
        ws.connection.execute(EVENTS_SQL.format(users=users, days=days, start="2026-10-01"))
        events = ws.connection.execute("SELECT count(*) FROM events").fetchall()[0][0]
    return {"users": users, "days": days, "events": int(events)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--models", default="churn,personas")
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="models-bench-") as tmp:
        folder = args.folder or Path(tmp) / "ws"
        size = build(folder, args.users, args.days)
        print(f"built {size}", flush=True)
        common = f"from applens.workspace import Workspace; import applens.models as m; " \
                 f"ws = Workspace({str(folder)!r}); "
        train = run_child(common + f"r = m.train(ws, {args.models!r}); "
                          "print({k: (v.estimator, round(v.metrics.get('roc_auc', "
                          "v.metrics.get('silhouette', 0)), 3)) for k, v in r.items()})")
        predict = run_child(common + f"r = m.predict(ws, {args.models!r}); "
                            "print({k: len(v) for k, v in r.items()})")
        summary = run_child(common + "print(m.crash_summary(ws).head(2))")
        from applens.workspace import Workspace

        with Workspace(folder) as ws:
            import applens.models as m

            metrics = m.model_metrics(ws)
        write_result("models", {
            "population": size, "models": args.models.split(","),
            "train": train, "predict": predict, "crash_summary": summary,
            "predict_vs_train_time": round(predict["seconds"] / train["seconds"], 3),
            "predict_vs_train_cpu": round(predict["cpu_seconds"] / train["cpu_seconds"], 3),
            "load_average": os.getloadavg(),
            "validation": {k: {n: round(v, 4) for n, v in ms.items()} for k, ms in metrics.items()},
        })
    return 0


if __name__ == "__main__":
    sys.exit(main())
