"""Daily retention from day masks when every user has a different pattern: the worst case
for ``_mask_answers.retention_cells`` (no two users share a row to weight).

    .venv/bin/python benchmarks/mask_retention_bench.py            # 200k users x 90 days

Random patterns (``--active`` of the days, 30%: ~all distinct) go into
``rollup_user_mask``; then ``_rollup_masks.patterns`` reads them (the SQL) and the cells of
the rollups bench's daily_retention (76 cohorts x 14 intervals) are made the old way (one
full periods x periods product on BLAS's default threads) and the new way (``_band``),
alternating old, new, old, new. Reported: CPU seconds of each step (this process's, so the
other helpers' load does not count) and wall seconds; the cells are compared.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402

from applens.insights._mask_answers import _band  # noqa: E402
from applens.insights._rollup_masks import MASK_DDL, add_masks, patterns  # noqa: E402

START = date(2024, 1, 1)


def _timed(fn):  # (result, cpu s, wall s)
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def _full(active: np.ndarray, users: np.ndarray, c: int, t: int) -> np.ndarray:
    """h-roll's cells: the whole periods x periods product."""
    a = active.astype(np.float32)
    both = (a * users[:, None].astype(np.float32)).T @ a
    end = active.shape[1]
    return np.array([[both[i, i + k] if i + k < end else 0 for k in range(t)]
                     for i in range(c)]).round().astype(np.int64)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--active", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="mask_retention")
    args = ap.parse_args()
    c, t = 76, 14
    end = c - 1 + t
    rng = np.random.default_rng(18)
    uid, day = np.nonzero(rng.random((args.users, 90)) < args.active)
    con = duckdb.connect()
    con.execute(MASK_DDL)
    delta = pd.DataFrame({"uid": uid.astype(np.int32),
                          "day": pd.Timestamp(START) + pd.to_timedelta(day, "D")})
    con.register("delta_df", delta)
    con.execute("CREATE TEMP TABLE delta AS SELECT uid, CAST(day AS DATE) AS day FROM delta_df")
    add_masks(con, "delta")
    runs: list[dict] = []
    for _ in range(args.repeat):
        got, p_cpu, p_wall = _timed(lambda: patterns(con, START, START + timedelta(days=end)))
        old, o_cpu, o_wall = _timed(partial(_full, got.days, got.users, c, t))
        new, n_cpu, n_wall = _timed(partial(_band, got.days, got.users, c, t))
        assert np.array_equal(old, new), "band cells differ from the full product"
        runs.append({"patterns": len(got.users), "patterns_cpu_s": p_cpu,
                     "patterns_wall_s": p_wall, "full_cpu_s": o_cpu, "full_wall_s": o_wall,
                     "band_cpu_s": n_cpu, "band_wall_s": n_wall})
        print(runs[-1], flush=True)
    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    write_result(args.out, {"users": args.users, "active": args.active, "cohorts": c,
                            "intervals": t, "runs": runs, "median": med})


if __name__ == "__main__":
    main()
