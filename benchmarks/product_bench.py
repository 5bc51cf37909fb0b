#!/usr/bin/env python3
"""Product-shaped synthetic benchmark: 15-minute app metrics with planted incidents.

    .venv/bin/python benchmarks/product_bench.py [--seeds 10] [--small-seeds 30]
        [--levels big medium ...] [DETECTOR ...]

Each series: 8 weeks of 15-minute slices with a daily and weekly shape, a slow trend,
Poisson noise, one holiday (a whole day at 65 %), and planted incidents:

* ``outage``: a 1-hour drop to 30 % (day 16-18), the "big one";
* ``second_outage``: half its size (a 1-hour drop to 65 %) 1-3 weeks later;
* ``spike``: a 2-slice campaign spike (x2.2);
* ``shift_up``: x1.3 for 2 days, starting on any weekday or weekend (day 43-49);
* ``shift_down``: x0.7 from day 50-52 to the end (a permanent level change);
* ``late_slice``: the last slice, only 40 % of its events arrived.

Three volumes: a big metric (~2000 per slice at peak), a medium one (~200) and a small
one (~25), the last also judged with a min-volume guard and, as ``small_more_seeds``, on
``--small-seeds`` seeds (at 25/slice a 10-seed recall is a coin flip of a few draws near
the bar). Reports per incident kind the
recall and the median detection delay (slices; an outage counts when alerted within its
hour plus 4 slices, a level shift within a day of its start), and **false alert
episodes per series per day**: alerts outside every incident (a level shift's incident
lasts while it lasts, plus a day) where alerts less than ``EPISODE_GAP`` slices apart
are one episode. Holiday episodes are reported separately (at most one is fine).
``default_no_clean`` is ``default`` with the clean reference and the fit gate turned off
(issue 15's two biggest changes), ``default_no_counts`` is ``default`` without the
count-aware view (``count_z=0``) and ``default_no_spike`` without the campaign bar
(``spike_z=0``), all measured side by side; the detector as it was before
issue 15 is measured by running this file against that tree (``--out`` to
product_synthetic_before.json). Output: benchmarks/results/product_synthetic.json.
A setting is swept by naming ``DETECTOR:key=value`` (the campaign bar: ``default
default:spike_z=3.65 ... --seeds 30 --small-seeds 0 --levels big medium small
--out benchmarks/results/product_spike_z.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from applens.anomalies import get_detector

DAY = 96
EPISODE_GAP = 24  # slices (6 hours): closer alerts are one episode
REPO = Path(__file__).resolve().parents[1]
VARIANTS = {"default_no_clean": ("default", {"clean_factor": 0.0, "fit_factor": 0.0}),
            "default_no_counts": ("default", {"count_z": 0.0}),
            "default_no_spike": ("default", {"spike_z": 0.0})}
# name: (events per slice at peak, min_volume, seeds; None: --seeds)
LEVELS = {"big": (2000.0, 0.0, None), "medium": (200.0, 0.0, None), "small": (25.0, 0.0, None),
          "small_guarded": (25.0, 40.0, None), "small_more_seeds": (25.0, 0.0, "small")}


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
    outage_day = 16 + int(rng.integers(0, 3))
    outage = (outage_day * DAY + 44 + int(rng.integers(0, 12)), 4)  # start row, length
    second_day = outage_day + 7 + int(rng.integers(0, 15))
    if second_day == 30:  # not on the holiday
        second_day = 29
    second = (second_day * DAY + 40 + int(rng.integers(0, 20)), 4)
    spike = (41 * DAY + 60 + int(rng.integers(0, 12)), 2)
    up_at = (43 + int(rng.integers(0, 7))) * DAY + 36 + int(rng.integers(0, 24))
    up_end = up_at + 2 * DAY
    down_at = (up_end // DAY + 2 + int(rng.integers(0, 2))) * DAY + 36 + int(rng.integers(0, 24))
    mean[outage[0] : outage[0] + outage[1]] *= 0.3
    mean[second[0] : second[0] + second[1]] *= 0.65
    mean[spike[0] : spike[0] + spike[1]] *= 2.2
    mean[up_at:up_end] *= 1.3
    mean[down_at:] *= 0.7
    values = rng.poisson(mean).astype(float)
    values[-1] = np.round(values[-1] * 0.4)  # the late slice
    incidents = {  # kind: (first row, last row that may alert for it, rows it may take)
        "outage": (outage[0], outage[0] + outage[1] - 1 + 4),
        "second_outage": (second[0], second[0] + second[1] - 1 + 4),
        "spike": (spike[0], spike[0] + spike[1] - 1 + 4),
        "shift_up": (up_at, min(n - 1, up_end + DAY)),
        "shift_down": (down_at, n - 1),
        "late_slice": (n - 1, n - 1),
    }
    windows = {"shift_up": DAY, "shift_down": DAY}  # recall: alerted within a day
    return values, ts, {"incidents": incidents, "windows": windows,
                        "holiday": (holiday.start, holiday.stop - 1)}


def episodes(alert: np.ndarray, gap: int = EPISODE_GAP) -> int:
    """Alerts less than ``gap`` rows apart form one episode."""
    rows = np.flatnonzero(alert)
    return int(len(rows) and 1 + np.sum(np.diff(rows) >= gap))


def variant(name: str) -> tuple[str, dict[str, float]]:
    """A detector and its parameters: a name of VARIANTS, a registered detector, or
    ``DETECTOR:key=value,...`` (a sweep: ``default:spike_z=3.55``)."""
    if name in VARIANTS:
        return VARIANTS[name]
    detector, _, settings = name.partition(":")
    params = dict(kv.split("=", 1) for kv in settings.split(",") if kv)
    return detector, {k: float(v) for k, v in params.items()}


def evaluate(name: str, seeds: int, level: float, min_volume: float) -> dict:
    detector, params = variant(name)
    hit: dict[str, list[float]] = {}
    delays: dict[str, list[int]] = {}
    false_eps, false_alerts, holiday_eps = [], [], []
    days = 0.0
    for seed in range(seeds):
        values, ts, truth = make_series(seed, level)
        det = get_detector(detector, min_volume=min_volume, **params)
        alert = det.fit_detect(values, ts).alert.copy()
        lo, hi = truth["holiday"]
        holiday_eps.append(episodes(alert[lo : hi + 1]))
        outside = alert.copy()
        outside[lo : hi + 1] = False
        for kind, (a, b) in truth["incidents"].items():
            window = truth["windows"].get(kind, b - a + 1)
            hits = np.flatnonzero(alert[a : min(b, a + window - 1) + 1])
            hit.setdefault(kind, []).append(float(hits.size > 0))
            if hits.size:
                delays.setdefault(kind, []).append(int(hits[0]))
            outside[a : b + 1] = False
        # The first two weeks are history: a weekly season is seen only after two weeks
        # (a monitor keeps 28 days of history and judges the newest slices).
        judged_days = (len(values) - 14 * DAY) / DAY
        outside[: 14 * DAY] = False
        days += judged_days
        false_eps.append(episodes(outside))
        false_alerts.append(int(outside.sum()))
    return {
        "recall": {k: round(float(np.mean(v)), 3) for k, v in hit.items()},
        "median_delay_slices": {k: float(np.median(v)) for k, v in delays.items()},
        "false_episodes_per_series_day": round(float(np.sum(false_eps)) / days, 4),
        "false_alerts_per_series_day": round(float(np.sum(false_alerts)) / days, 4),
        "holiday_episodes_mean": round(float(np.mean(holiday_eps)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("detectors", nargs="*",
                    default=["default", "default_no_counts", "default_no_clean",
                             "default_no_spike", "seasonal", "levelshift"])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--small-seeds", type=int, default=30,
                    help="seeds of the small_more_seeds level (0: skip it)")
    ap.add_argument("--levels", nargs="+", choices=list(LEVELS), default=list(LEVELS))
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results/product_synthetic.json")
    args = ap.parse_args(argv)
    report: dict = {"argv": sys.argv[1:] if argv is None else list(argv),
                    "seeds": args.seeds, "days": 56, "slice": "15min",
                    "episode_gap_slices": EPISODE_GAP, "judged_from_day": 14, "metrics": {}}
    for metric in args.levels:
        level, min_volume, which = LEVELS[metric]
        seeds = args.small_seeds if which == "small" else args.seeds
        if seeds <= 0:
            continue
        report["metrics"][metric] = {"level": level, "min_volume": min_volume, "seeds": seeds,
                                     "detectors": {}}
        for name in args.detectors:
            res = evaluate(name, seeds, level, min_volume)
            report["metrics"][metric]["detectors"][name] = res
            print(f"{metric:<14} {name:<14} recall {res['recall']}  "
                  f"delay {res['median_delay_slices']}  false episodes/series/day "
                  f"{res['false_episodes_per_series_day']}  holiday "
                  f"{res['holiday_episodes_mean']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
