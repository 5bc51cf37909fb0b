#!/usr/bin/env python3
"""Ticket text models on the real sets in ../shared/data: quality, speed and memory.

    .venv/bin/python benchmarks/text_bench.py [--sets banking77,ru_toxic] [--limit N]

* ``banking77``: 77 request types (English), the official train/test split; accuracy and
  macro-F1. Reference on this machine: TF-IDF + LinearSVC 0.913.
* ``ru_toxic``: Russian toxic / not, exact duplicates (after strip) removed before a
  stratified 80/20 split (random_state=42); F1 of the toxic class and ROC-AUC. Reference:
  TF-IDF + LR 0.859.

With the embeddings extra installed the English set also runs with MiniLM sentence vectors
added (``<set>+minilm``; ``--embeddings only`` for every set). Each set runs in a child
process (wall and CPU seconds, peak RSS), the applens model and the reference pipeline of
PROVENANCE.md side by side in the same child. Output:
benchmarks/results/text.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ENGLISH = {"banking77"}  # the sets "--embeddings auto" also runs with MiniLM

CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
from threadpoolctl import threadpool_limits
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC
from applens.text import fit_text_model

name, data, limit, embeddings = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
if name == "banking77":
    train = pd.read_csv(f"{data}/banking77/train.csv")
    test = pd.read_csv(f"{data}/banking77/test.csv")
    train, test = train.rename(columns={"category": "y"}), test.rename(columns={"category": "y"})
    reference = make_pipeline(make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        LinearSVC(C=0.5))
else:
    frame = pd.read_csv(f"{data}/ru_toxic_comments/labeled.csv")
    frame["text"] = frame["comment"].str.strip()
    frame = frame.drop_duplicates("text")
    frame["y"] = np.where(frame["toxic"] > 0.5, "toxic", "ok")
    train, test = train_test_split(frame, test_size=0.2, stratify=frame["y"], random_state=42)
    reference = make_pipeline(make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        LogisticRegression(C=4, class_weight="balanced", max_iter=2000))
if limit:
    train = train.sample(min(limit, len(train)), random_state=0)
out = {"train_rows": len(train), "test_rows": len(test)}
with threadpool_limits(2):
    # wall and CPU seconds (all threads): on a shared machine the CPU seconds are the steadier
    started, cpu = time.perf_counter(), time.process_time()
    model = fit_text_model(train["text"].tolist(), train["y"].tolist(), embeddings=embeddings)
    out["train_seconds"] = round(time.perf_counter() - started, 2)
    out["train_cpu_seconds"] = round(time.process_time() - cpu, 2)
    started, cpu = time.perf_counter(), time.process_time()  # labels first: not embedded yet
    labels, _ = model.predict(test["text"].tolist())
    out["tickets_per_second"] = round(len(test) / (time.perf_counter() - started), 1)
    out["tickets_per_cpu_second"] = round(len(test) / (time.process_time() - cpu), 1)
    proba = model.predict_proba(test["text"].tolist())
    started, cpu = time.perf_counter(), time.process_time()
    reference.fit(train["text"], train["y"])
    out["reference_train_seconds"] = round(time.perf_counter() - started, 2)
    out["reference_train_cpu_seconds"] = round(time.process_time() - cpu, 2)
    ref = reference.predict(test["text"])
truth = test["y"].to_numpy()
out["accuracy"] = round(accuracy_score(truth, labels), 4)
out["macro_f1"] = round(f1_score(truth, labels, average="macro"), 4)
out["reference_accuracy"] = round(accuracy_score(truth, ref), 4)
out["reference_macro_f1"] = round(f1_score(truth, ref, average="macro"), 4)
if name == "ru_toxic":
    out["toxic_f1"] = round(f1_score(truth, labels, pos_label="toxic"), 4)
    toxic = proba[:, model.classes.index("toxic")]
    out["roc_auc"] = round(roc_auc_score(truth == "toxic", toxic), 4)
    out["reference_toxic_f1"] = round(f1_score(truth, ref, pos_label="toxic"), 4)
    out["threshold"] = round(model.threshold, 4)
print("RESULT " + json.dumps(out))
"""


def run_set(name: str, limit: int, embeddings: bool = False) -> dict[str, object]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, name, str(DATA), str(limit),
                             "1" if embeddings else "0"],
                            stdout=subprocess.PIPE, text=True)
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{name}: benchmark child failed ({proc.returncode})")
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="banking77,ru_toxic")
    parser.add_argument("--limit", type=int, default=0, help="train on at most N rows (0: all)")
    parser.add_argument("--embeddings", choices=("auto", "no", "only"), default="auto",
                        help="also run with MiniLM sentence embeddings (auto: when installed)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from applens.text.embed import available

    modes = {"auto": [False, True] if available() else [False], "no": [False],
             "only": [True]}[args.embeddings]
    results = {}
    for name in args.sets.split(","):
        for embeddings in modes:
            if embeddings and args.embeddings == "auto" and name.strip() not in ENGLISH:
                continue  # MiniLM is English: ru_toxic 0.855 with it vs 0.860 without, 20x time
            key = f"{name.strip()}+minilm" if embeddings else name.strip()
            print(f"-- {key}", flush=True)
            results[key] = run_set(name.strip(), args.limit, embeddings)
            write_result("text", {"limit": args.limit, "embeddings_installed": available(),
                                  "sets": results})  # after each set: a long run keeps its part


if __name__ == "__main__":
    main()
