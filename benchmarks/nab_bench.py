#!/usr/bin/env python3
"""Score applens detectors on NAB with the shared NAB scorer; write JSON results.

    .venv/bin/python benchmarks/nab_bench.py [--nab ../shared/data/nab-dev] [DETECTOR ...]

For each detector: the raw ``anomaly_score`` with the scorer's corpus-wide threshold
sweep (NAB's protocol, optimistic) and the shipped ``is_alert`` decisions at the fixed
threshold 0.5 (what users get), for the standard, low-FP and low-FN profiles, plus the
time spent in the detector. Output: benchmarks/results/nab_<corpus>.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

from applens.anomalies.evaluation import write_nab_results

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GOALS = {"swept_standard": 60.0, "shipped_standard": 50.0}
REFERENCE_FULL_NAB = {  # published standard-profile scores on the full corpus
    "windowedGaussian": 39.6, "twitterADVec": 47.1, "numentaHTM": 70.1, "ARTime": 74.9,
}


def _load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("nab_score", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["nab_score"] = module
    spec.loader.exec_module(module)
    return module


def _score(nab, root: Path, results: Path, column: str, threshold: float | None) -> dict:
    corpus = nab.load_corpus(str(root / "data"), str(root / "labels/combined_windows.json"),
                             str(results), None, column)
    profiles = nab.load_profiles(str(root / "config/profiles.json"))
    outs = nab.score_corpus(corpus, profiles, threshold=threshold)
    return {o.profile: {"score": round(o.normalised, 2),
                        "threshold": None if o.threshold == nab.NO_DETECTION else o.threshold,
                        "windows_hit": o.windows_hit, "windows_missed": o.windows_missed,
                        "fp_rows": o.fp_rows} for o in outs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("detectors", nargs="*", default=["default", "seasonal", "levelshift", "simple"])
    ap.add_argument("--nab", type=Path, default=SHARED / "data" / "nab-dev")
    ap.add_argument("--scorer", type=Path, default=SHARED / "tools" / "nab_score.py")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    nab = _load_scorer(args.scorer)
    report: dict = {"corpus": str(args.nab), "goals": GOALS,
                    "reference_full_nab_standard": REFERENCE_FULL_NAB, "detectors": {}}
    for name in args.detectors:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            timing = write_nab_results(name, args.nab / "data", Path(tmp))
            timing["seconds_wall_incl_io"] = time.perf_counter() - start
            swept = _score(nab, args.nab, Path(tmp), "anomaly_score", None)
            shipped = _score(nab, args.nab, Path(tmp), "is_alert", 0.5)
        entry = {"swept": swept, "shipped": shipped,
                 "timing": {k: round(v, 3) for k, v in timing.items()}}
        if name == "default":
            entry["goals_met"] = {
                "swept_standard": swept["standard"]["score"] >= GOALS["swept_standard"],
                "shipped_standard": shipped["standard"]["score"] >= GOALS["shipped_standard"],
            }
        report["detectors"][name] = entry
        print(f"{name:<11} swept std/lowFP/lowFN "
              + " / ".join(f"{swept[p]['score']:.2f}" for p in swept)
              + "   shipped " + " / ".join(f"{shipped[p]['score']:.2f}" for p in shipped)
              + f"   ({timing['seconds_total']:.1f}s, {int(timing['rows'])} rows)")
    out = args.out or REPO / "benchmarks" / "results" / f"nab_{args.nab.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
