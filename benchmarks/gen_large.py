"""Generate a large demo log and report its size, speed and peak memory.

    .venv/bin/python benchmarks/gen_large.py OUT_DIR --users 50000 --days 35 --format csv

About 620 events per user over 35 days: 50,000 users give a ~10-million-row events.csv
(the ingest benchmark's input); 1,000,000 users x 90 days give hundreds of millions.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from applens.demo import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--chunk-users", type=int, default=20_000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = generate(args.out_dir, users=args.users, days=args.days, seed=args.seed,
                     events_format=args.format, chunk_users=args.chunk_users)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    json.dump({
        "users": args.users, "days": args.days, "format": args.format,
        "events": truth.data.events, "seconds": round(seconds, 2),
        "events_per_second": round(truth.data.events / seconds),
        "peak_rss_mb": round(peak_mb, 1),
    }, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
