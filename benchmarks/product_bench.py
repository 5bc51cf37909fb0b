#!/usr/bin/env python3
"""Product-shaped synthetic benchmark: 15-minute app metrics with planted incidents.

    .venv/bin/python benchmarks/product_bench.py [--seeds 10] [DETECTOR ...]

Each series: 8 weeks of 15-minute slices with a daily and weekly shape, a slow trend,
Poisson noise, one holiday (a whole day at 65 %), and planted incidents: a 1-hour
outage (drop to 30 %), a 2-slice campaign spike (x2.2), a permanent level shift (+30 %)
and a late last slice (only 40 % of its events arrived). Two volumes: a big metric
(~2000 per slice at peak) and a small one (~25), the latter judged with a min-volume
guard. Reports recall, detection delay (slices) and false alerts per day, with holiday
alerts counted separately. Output: benchmarks/results/product_synthetic.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from applens.anomalies import get_detector
from applens.anomalies.evaluation import event_metrics

DAY = 96
REPO = Path(__file__).resolve().parents[1]


def make_series(seed: int, level: float) -> tuple[np.ndarray, pd.DatetimeIndex, dict]:
    rng = np.random.default_rng(seed)
    n = 56 * DAY
    ts = pd.date_range("2024-02-05", periods=n, freq="15min")  # a Monday
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    daily = 0.55 + 0.45 * np.clip(np.sin((hour - 6) / 18 * np.pi), 0, None) ** 1.5
    weekly = np.where(ts.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    trend = 1 + 0.002 * np.arange(n) / DAY
    mean = level * daily * weekly * trend
    holiday = slice(30 * DAY + 0, 31 * DAY)
    mean[holiday] *= 0.65
    outage = (36 * DAY + 44 + int(rng.integers(0, 12)), 4)  # start row, length
    spike = (41 * DAY + 60 + int(rng.integers(0, 12)), 2)
    shift_at = 47 * DAY + 40 + int(rng.integers(0, 12))
    mean[outage[0] : outage[0] + outage[1]] *= 0.3
    mean[spike[0] : spike[0] + spike[1]] *= 2.2
    mean[shift_at:] *= 1.3
    values = rng.poisson(mean).astype(float)
    values[-1] = np.round(values[-1] * 0.4)  # the late slice
    incidents = {
        "outage": (outage[0], outage[0] + outage[1] - 1),
        "spike": (spike[0], spike[0] + spike[1] - 1),
        "level_shift": (shift_at, shift_at + 8),
        "late_slice": (n - 1, n - 1),
    }
    return values, ts, {"incidents": incidents, "holiday": (holiday.start, holiday.stop - 1)}


def evaluate(name: str, seeds: int, level: float, min_volume: float) -> dict:
    per_kind: dict[str, list[float]] = {}
    delays: dict[str, list[int]] = {}
    false_per_day, holiday_alerts = [], []
    for seed in range(seeds):
        values, ts, truth = make_series(seed, level)
        alert = get_detector(name, min_volume=min_volume).fit_detect(values, ts).alert
        lo, hi = truth["holiday"]
        holiday_alerts.append(int(alert[lo : hi + 1].sum()))
        outside = alert.copy()
        outside[lo : hi + 1] = False  # holiday reported separately
        m = event_metrics(outside, ts, list(truth["incidents"].values()))
        false_per_day.append(m.false_alerts_per_day)
        for kind, (a, b) in truth["incidents"].items():
            hits = np.flatnonzero(alert[a : b + 5])
            per_kind.setdefault(kind, []).append(float(hits.size > 0))
            if hits.size:
                delays.setdefault(kind, []).append(int(hits[0]))
    return {
        "recall": {k: round(float(np.mean(v)), 3) for k, v in per_kind.items()},
        "mean_delay_slices": {k: round(float(np.mean(v)), 2) for k, v in delays.items()},
        "false_alerts_per_day": round(float(np.mean(false_per_day)), 3),
        "holiday_alerts_mean": round(float(np.mean(holiday_alerts)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("detectors", nargs="*", default=["default", "seasonal", "levelshift", "simple"])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results/product_synthetic.json")
    args = ap.parse_args(argv)
    report: dict = {"seeds": args.seeds, "days": 56, "slice": "15min", "metrics": {}}
    for metric, level, min_volume in (("big", 2000.0, 0.0), ("small", 25.0, 0.0),
                                      ("small_guarded", 25.0, 40.0)):
        report["metrics"][metric] = {"level": level, "min_volume": min_volume, "detectors": {}}
        for name in args.detectors:
            res = evaluate(name, args.seeds, level, min_volume)
            report["metrics"][metric]["detectors"][name] = res
            print(f"{metric:<14} {name:<11} recall {res['recall']}  "
                  f"delay {res['mean_delay_slices']}"
                  f"  FA/day {res['false_alerts_per_day']}  holiday {res['holiday_alerts_mean']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
