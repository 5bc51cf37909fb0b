#!/usr/bin/env python3
"""What any count detector can catch at a volume: an oracle power bound for the product
benchmark's incidents.

    .venv/bin/python benchmarks/power_bench.py [--draws 20000]

The oracle knows each slice's true mean and reads it the way the ``default`` detector's
count view does at best: against the median of the same slot on the last 4 weeks (its
own noise, 1.20·e/4 per slice, plus Poisson), with no model misfit at all. For each
incident of ``product_bench.py`` (a 1-hour drop, a 2-slice spike, one slice with 40 % of
its events) and each volume it reports the recall at two bars:

* ``shipped``: 4.5 sigma (``count_z``), what the detector alerts at;
* ``budget``: the lowest bar that keeps an oracle's false alerts within 0.03 per series
  and day (the issue's budget: 96 slices x 3 runs x 2 sides of normal tails), ~3.9 sigma.

and the smallest incident (fraction of normal for drops, multiple for spikes) the oracle
catches with 95 % recall at each bar. A recall the oracle misses at the budget bar is
below what any detector of this kind can catch within the budget. Output:
benchmarks/results/power.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import norm

REPO = Path(__file__).resolve().parents[1]
SLICES_PER_DAY = 96
RUNS = (1, 2, 4)  # the count view's short runs
SHIPPED_Z = 4.5
MEDIAN_NOISE_4 = 1.20 / 4  # variance of a median of 4 Poisson draws, per unit count
FALSE_BUDGET = 0.03  # false alert episodes per series and day
LEVELS = {"big": 2000.0, "medium": 200.0, "small": 25.0}
# product_bench's incidents as (slices, their share of the peak level, multiplier):
# the second outage starts at 10:00-15:00 on any day (~0.9 of peak with the trend), the
# spike on a Sunday afternoon (~0.78), the late slice at 23:45 on a Sunday inside a x0.7
# shift (0.55 x 0.75 x 1.11 x 0.7 = 0.32).
INCIDENTS = {
    "second_outage": (4, 0.9, 0.65),
    "spike": (2, 0.78, 2.2),
    "late_slice": (1, 0.32, 0.4),
}


def budget_z() -> float:
    """The one-sided bar whose normal tail, over every slice, run and side, spends the
    false-alert budget."""
    tests = SLICES_PER_DAY * len(RUNS) * 2
    return float(norm.isf(FALSE_BUDGET / tests))


def recall(slices: int, mean: float, factor: float, bar: float, draws: int,
           rng: np.random.Generator) -> float:
    """Share of draws where the best run over the incident reaches ``bar`` sigmas."""
    e = np.full(slices, mean)
    x = rng.poisson(e * factor, size=(draws, slices)).astype(float)
    # The expectation: a median of 4 past weeks, each slice with its own noise.
    past = rng.poisson(e[:, None], size=(draws, slices, 4)).astype(float)
    exp = np.median(past, axis=2)
    best = np.zeros(draws)
    for run in RUNS:
        if run > slices:
            continue
        for start in range(slices - run + 1):
            s = x[:, start : start + run].sum(axis=1)
            m = exp[:, start : start + run].sum(axis=1)
            z = np.abs(s - m) / np.sqrt(np.maximum((1 + MEDIAN_NOISE_4) * m, 1e-9))
            best = np.maximum(best, z)
    return float(np.mean(best >= bar))


def smallest(slices: int, mean: float, drop: bool, bar: float, draws: int,
             rng: np.random.Generator) -> float | None:
    """The mildest incident caught with 95 % recall (a drop: the highest fraction of
    normal; a spike: the lowest multiple), on a grid of 0.05."""
    grid = np.round(np.arange(0.95, -0.001, -0.05), 2) if drop else np.round(
        np.arange(1.05, 10.001, 0.05), 2)
    for factor in grid:
        if recall(slices, mean, float(factor), bar, draws, rng) >= 0.95:
            return float(factor)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=20000)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results/power.json")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    bars = {"shipped": SHIPPED_Z, "budget": round(budget_z(), 2)}
    report: dict = {"draws": args.draws, "bars_sigma": bars, "runs": list(RUNS),
                    "false_budget_per_series_day": FALSE_BUDGET, "levels": {}}
    for name, level in LEVELS.items():
        out: dict = {}
        for kind, (slices, share, factor) in INCIDENTS.items():
            mean = level * share
            row = {"expected_per_slice": round(mean, 1), "factor": factor}
            for bar_name, bar in bars.items():
                row[f"recall_{bar_name}"] = round(
                    recall(slices, mean, factor, bar, args.draws, rng), 3)
                row[f"smallest_95_{bar_name}"] = smallest(
                    slices, mean, factor < 1, bar, max(args.draws // 10, 500), rng)
            out[kind] = row
            print(f"{name:<7} {kind:<14} e={mean:7.1f}/slice x{factor}: " + "  ".join(
                f"{b}: recall {row[f'recall_{b}']} (95 % from x{row[f'smallest_95_{b}']})"
                for b in bars))
        report["levels"][name] = {"peak_per_slice": level, "incidents": out}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
