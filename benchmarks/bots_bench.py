"""Bot detection: the real Apache logs (judged by user agents it never sees) and the demo.

    .venv/bin/python benchmarks/bots_bench.py

For each log in ../shared/data/apache_access_logs: ingest time with --preset combined-log
(rows, rejects), then ``detect_bots(entity="ip", use_user_agent=False)`` (the user_agent
column dropped before features are computed) scored against the PROVENANCE's weak labels:
an IP is a declared bot when any request's user agent matches LABEL. Reports precision,
recall and F1 of the ``bot`` label, precision in the top 20/50/100, and the recall with the
user-agent rule on. Then the default demo (5,000 users x 35 days): planted bots (users and
IPs) vs the ranking. Finally ingest throughput on the apache log repeated COPIES times
(APPLENS_BENCH_LOG_COPIES, default 50). Output: benchmarks/results/bots.json.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402

from applens.demo import generate  # noqa: E402
from applens.ingest import ingest
from applens.models.bots import detect_bots  # noqa: E402
from applens.workspace import Workspace  # noqa: E402

LOGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "apache_access_logs"
LABEL = r"(?i)(bot|crawl|spider|slurp|python|curl|wget|fetch|java|scrapy|headless)"
COPIES = int(os.environ.get("APPLENS_BENCH_LOG_COPIES", 50))


def scores(ranked, truth: set[str]) -> dict[str, float]:
    flagged = set(ranked.entity_id[ranked.label != "normal"])
    hits = len(flagged & truth)
    precision, recall = hits / max(len(flagged), 1), hits / max(len(truth), 1)
    out = {"entities": len(ranked), "labelled_bots": len(truth), "flagged": len(flagged),
           "precision": precision, "recall": recall,
           "f1": 2 * precision * recall / max(precision + recall, 1e-12),
           "base_rate": len(truth) / max(len(ranked), 1)}
    for k in (20, 50, 100):
        out[f"precision_at_{k}"] = len(set(ranked.entity_id[:k]) & truth) / k
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def real_log(path: Path, folder: Path) -> dict[str, object]:
    with Workspace.init(folder / path.name) as ws:
        started = time.perf_counter()
        summary = ingest(ws, path, preset="combined-log")
        ingest_s = time.perf_counter() - started
        (labels,) = zip(*ws.connection.execute(
            "SELECT DISTINCT ip FROM events WHERE regexp_matches(user_agent, ?)", [LABEL]
        ).fetchall(), strict=True)
        truth = set(labels)
        started = time.perf_counter()
        blind = detect_bots(ws, entity="ip", use_user_agent=False)
        detect_s = time.perf_counter() - started
        with_ua = detect_bots(ws, entity="ip", use_user_agent=True)
    return {
        "ingest": {"seconds": round(ingest_s, 3), "rows_read": summary.rows_read,
                   "rows_loaded": summary.rows_loaded, "rows_rejected": summary.rows_rejected},
        "detect_seconds": round(detect_s, 3),
        "without_user_agent": scores(blind, truth),
        "with_user_agent_rule": scores(with_ua, truth),
    }


def demo(folder: Path) -> dict[str, object]:
    truth = generate(folder / "demo", seed=7)
    with Workspace.init(folder / "demo-ws") as ws:
        ingest(ws, folder / "demo" / "events.parquet")
        started = time.perf_counter()
        users = detect_bots(ws, entity="user")
        seconds = time.perf_counter() - started
        ips = detect_bots(ws, entity="ip")
    bots, bot_ips = set(truth.bots.user_ids), set(truth.bots.ips)
    return {
        "events": truth.data.events, "users": truth.data.users,
        "detect_users_seconds": round(seconds, 3),
        "ranked_users": {**scores(users, bots),
                  f"precision_at_{len(bots)}": len(set(users.entity_id[:len(bots)]) & bots)
                  / len(bots)},
        "ranked_ips": {**scores(ips, bot_ips),
                f"precision_at_{len(bot_ips)}": len(set(ips.entity_id[:len(bot_ips)]) & bot_ips)
                / len(bot_ips)},
    }


def throughput(folder: Path) -> dict[str, object]:
    big = folder / "access-big.log"
    text = (LOGS / "apache_logs").read_bytes()
    with big.open("wb") as handle:
        for _ in range(COPIES):
            handle.write(text)
    with Workspace.init(folder / "big") as ws:
        started = time.perf_counter()
        summary = ingest(ws, big, preset="combined-log")
        seconds = time.perf_counter() - started
    return {"copies": COPIES, "mib": round(big.stat().st_size / 2**20, 1),
            "rows_read": summary.rows_read, "rows_loaded": summary.rows_loaded,
            "seconds": round(seconds, 3), "rows_per_second": round(summary.rows_read / seconds)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        payload = {
            "labels": f"IP is a bot when any request's user agent matches {LABEL}",
            "apache_logs": real_log(LOGS / "apache_logs", folder),
            "almhuette_raith_short": real_log(LOGS / "almhuette_raith_short.log", folder),
            "demo": demo(folder),
            "ingest_throughput": throughput(folder),
        }
    write_result("bots", payload)


if __name__ == "__main__":
    main()
