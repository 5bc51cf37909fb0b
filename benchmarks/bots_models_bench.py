"""The trained ``bots`` model on both real Apache logs: labels against user agents, file sizes.

    .venv/bin/python benchmarks/bots_models_bench.py      (or: python benchmarks/run.py bots_models)

For each log in ../shared/data/apache_access_logs: ingest with --preset combined-log, then
``applens train`` / ``applens predict`` of the ``bots`` model through the registry (as a user
runs it, user agent on). Weak labels as in the PROVENANCE: an IP is a declared bot when any
request's user agent matches LABEL. Reports, per label, how many IPs it got and precision /
recall against those labels: ``declared crawler``, ``bot`` (suspicious behaviour without a
declaring user agent) and both together (aim: precision >= 0.8 at recall >= 0.9). The
flagged IPs the labels call people are broken down: those that fetched /robots.txt, those
whose user agent names a program the keywords miss (UA_BOT_PATTERN: Go-http-client,
libwww-perl, PhantomJS ...), those whose agent names its operator (a URL or an e-mail
address, a crawler's convention) and those that send no user agent at all: together "likely
mislabelled", counted apart from the rest ("browser-like"). Also the size of every saved
model file. Output: benchmarks/results/bots_models.json.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402

from applens.ingest import ingest
from applens.models import latest_scores, predict, train  # noqa: E402
from applens.models.bot_features import UA_BOT_PATTERN  # noqa: E402
from applens.models.registry import MODEL_FILE, latest_version, model_dir  # noqa: E402
from applens.workspace import Workspace  # noqa: E402

LOGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "apache_access_logs"
LABEL = r"(?i)(bot|crawl|spider|slurp|python|curl|wget|fetch|java|scrapy|headless)"
OPERATOR = r"(?i)(https?://|www\.|\.com\b|@)"  # a crawler names who runs it
TARGET = {"precision": 0.8, "recall": 0.9}


def judged(flagged: set[str], truth: set[str]) -> dict[str, float]:
    hits = len(flagged & truth)
    return {"flagged": len(flagged), "precision": round(hits / max(len(flagged), 1), 4),
            "recall": round(hits / max(len(truth), 1), 4)}


def ips_whose_agent(ws: Workspace, pattern: str) -> set[str]:
    return {r[0] for r in ws.connection.execute(
        "SELECT DISTINCT ip FROM events WHERE regexp_matches(user_agent, ?)", [pattern]
    ).fetchall()}


def false_positives(ws: Workspace, flagged: set[str], truth: set[str]) -> dict[str, int]:
    """Flagged IPs the keyword labels call people, by why they may be bots after all."""
    wrong = flagged - truth
    robots = {r[0] for r in ws.connection.execute(
        "SELECT DISTINCT ip FROM events WHERE path = '/robots.txt'").fetchall()}
    program = ips_whose_agent(ws, UA_BOT_PATTERN) & wrong
    operator = ips_whose_agent(ws, OPERATOR) & wrong
    silent = {r[0] for r in ws.connection.execute(
        "SELECT DISTINCT ip FROM events WHERE coalesce(trim(user_agent), '') IN ('', '-')"
    ).fetchall()} & wrong
    likely = (wrong & robots) | program | operator | silent
    return {"total": len(wrong), "fetched_robots_txt": len(wrong & robots),
            "program_user_agent": len(program), "operator_in_user_agent": len(operator),
            "no_user_agent": len(silent),
            "likely_mislabelled": len(likely), "browser_like": len(wrong - likely)}


def sizes(ws: Workspace) -> dict[str, int]:
    out = {}
    for name in ("churn", "crash", "personas", "bots"):
        version = latest_version(ws, name)
        if version:
            out[name] = (model_dir(ws, name) / version / MODEL_FILE).stat().st_size
    return out


def real_log(path: Path, folder: Path) -> dict[str, object]:
    with Workspace.init(folder / path.name) as ws:
        ingest(ws, path, preset="combined-log")
        started = time.perf_counter()
        reports = train(ws)
        train_s = time.perf_counter() - started
        predict(ws, "bots")
        scores = latest_scores(ws, "bots")
        truth = ips_whose_agent(ws, LABEL)
        robots = {r[0] for r in ws.connection.execute(
            "SELECT DISTINCT ip FROM events WHERE path = '/robots.txt'").fetchall()}
        ips = ws.connection.execute("SELECT count(DISTINCT ip) FROM events").fetchall()[0][0]
        by_label = {label: set(scores.entity_id[scores.label == label])
                    for label in ("declared crawler", "bot")}
        declared = judged(by_label["declared crawler"], truth)
        flagged = by_label["declared crawler"] | by_label["bot"]
        both = judged(flagged, truth)
        result = {
            "ips": ips, "scored": len(scores), "entity_types": sorted(set(scores.entity_type)),
            "labelled_bots": len(truth), "train_seconds": round(train_s, 2),
            "declared_crawler": declared,
            "declared_meets_target": declared["precision"] >= TARGET["precision"]
            and declared["recall"] >= TARGET["recall"],
            "suspicious_bot": {**judged(by_label["bot"], truth),
                               "fetched_robots_txt": len(by_label["bot"] & robots)},
            "both_labels": both,
            "both_meet_target": both["precision"] >= TARGET["precision"]
            and both["recall"] >= TARGET["recall"],
            "false_positives": false_positives(ws, flagged, truth),
            "googlebot_rank": int(scores.set_index("entity_id").loc["66.249.73.135", "rank"])
            if "66.249.73.135" in set(scores.entity_id) else None,
            "skipped": {n: r.metadata["skipped"] for n, r in reports.items() if not r.version},
            "model_file_bytes": sizes(ws),
        }
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        payload = {
            "labels": f"IP is a declared bot when any request's user agent matches {LABEL}",
            "target": TARGET,
            "apache_logs": real_log(LOGS / "apache_logs", folder),
            "almhuette_raith_short": real_log(LOGS / "almhuette_raith_short.log", folder),
        }
    write_result("bots_models", payload)


if __name__ == "__main__":
    main()
