"""Ticket models through the CLI on slices of the real sets (BANKING77, Russian toxic
comments): floors on macro-F1 far above what a broken pipeline reaches (chance is 0.05 for
20 request types, about 0.4 for always-'ok')."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score

from tests.conftest import SHARED_DATA
from tests.realdata.conftest import cli

BANKING = SHARED_DATA / "banking77"
TOXIC = SHARED_DATA / "ru_toxic_comments"


def _with_times(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    frame = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    frame["ticket_id"] = [f"{prefix}{i}" for i in range(len(frame))]
    frame["created"] = pd.date_range("2026-09-01", periods=len(frame), freq="17min")
    return frame


@pytest.fixture(scope="module")
def banking(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    train = pd.read_csv(BANKING / "train.csv")
    test = pd.read_csv(BANKING / "test.csv")
    kept = sorted(train["category"].unique())[:20]
    folder = tmp_path_factory.mktemp("banking")
    source = folder / "tickets.csv"
    _with_times(train[train["category"].isin(kept)], "b").to_csv(source, index=False)
    ws = folder / "ws"
    cli("init", ws)
    cli("ingest", source, "--table", "tickets", "--map", "ts=created",
        "--map", "type=category", "-w", ws)
    return ws, test[test["category"].isin(kept)].reset_index(drop=True)


def test_banking77_request_types(banking: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    ws, test = banking
    report = json.loads(cli("train", "tickets-type", "-w", ws, "--format", "json").stdout)
    assert report["tickets-type"]["macro_f1"] >= 0.85  # newest 20 % of the 20-type slice
    meta = json.loads((ws / "models/tickets-type/v1/metadata.json").read_text())
    assert len(meta["labels"]) == 20 and meta["language_mix"] == {"en": 1.0}
    assert "activate" in meta["top_terms"]["activate_my_card"]  # readable words, not stems
    new = tmp_path / "official_test.csv"
    test[["text"]].to_csv(new, index=False)
    scored = tmp_path / "scored.csv"
    cli("predict", "tickets-type", "--input", new, "--output", scored, "-w", ws)
    with scored.open(encoding="utf-8") as handle:
        predicted = [row["tickets-type_label"] for row in csv.DictReader(handle)]
    assert len(predicted) == len(test) == 800
    assert accuracy_score(test["category"], predicted) >= 0.88
    assert f1_score(test["category"], predicted, average="macro") >= 0.88


def test_russian_toxic_comments_negativity(tmp_path: Path) -> None:
    frame = pd.read_csv(TOXIC / "labeled.csv")
    frame["text"] = frame["comment"].str.strip()
    frame = frame.drop_duplicates("text").sample(3000, random_state=3)
    frame["negativity"] = frame["toxic"].map({1.0: "toxic", 0.0: "ok"})
    source = tmp_path / "comments.parquet"  # Parquet this time: the same ingest reader
    _with_times(frame[["text", "negativity"]], "r").to_parquet(source, index=False)
    ws = tmp_path / "ws"
    cli("init", ws)
    cli("ingest", source, "--table", "tickets", "--map", "ts=created", "-w", ws)
    report = json.loads(cli("train", "tickets-negativity", "-w", ws, "--format", "json").stdout)
    assert report["tickets-negativity"]["macro_f1"] >= 0.70  # always-'ok' scores about 0.4
    meta = json.loads((ws / "models/tickets-negativity/v1/metadata.json").read_text())
    assert meta["labels"] == ["ok", "toxic"] and meta["language_mix"]["ru"] > 0.95
    scores = json.loads(cli("predict", "tickets-negativity", "-w", ws, "--format", "json",
                            "--top", "5000").stdout)["tickets-negativity"]
    assert len(scores) == 3000
    share = sum(s["label"] == "toxic" for s in scores) / 3000
    assert abs(share - (frame["negativity"] == "toxic").mean()) < 0.05
