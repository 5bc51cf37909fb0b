"""Tickets through the CLI: ingest (rejects, idempotence, conflicts, encodings), train,
predict into the workspace and into a file, topics, and each bad input of issue 12."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from tests.conftest import invoke_cli

TYPES = {
    "card": ["my card does not work", "card blocked at the shop", "моя карта не работает",
             "карта заблокирована в магазине", "new card never arrived", "где моя новая карта"],
    "payment": ["payment failed twice", "money was charged but order not paid",
                "платеж не прошел", "деньги списали а заказ не оплачен", "refund my payment",
                "верните деньги за платеж"],
    "login": ["cannot log in to the app", "password reset email never comes",
              "не могу войти в приложение", "не приходит письмо для сброса пароля",
              "app logs me out", "приложение выкидывает из аккаунта"],
}
NEGATIVE = ["this is terrible", "ужасный сервис", "worst app ever", "отвратительно"]


def make_tickets(path: Path, n: int = 240, seed: int = 0, *, one_type: bool = False) -> Path:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = "card" if one_type else rng.choice(sorted(TYPES))
        text = rng.choice(TYPES[kind]) + rng.choice(["", " please help", " !!", " пожалуйста"])
        negative = rng.random() < 0.3
        if negative:
            text = f"{text}, {rng.choice(NEGATIVE)}"
        rows.append({"id": f"T{i}", "user": f"u{i % 40}", "created": f"2026-10-{1 + i % 28:02d} "
                     f"{i % 24:02d}:00:00", "body": text, "neg": "negative" if negative else
                     "neutral", "kind": kind})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


MAP = ["--map", "ticket_id=id", "--map", "user_id=user", "--map", "ts=created",
       "--map", "text=body", "--map", "negativity=neg", "--map", "type=kind"]


def cli(*args: object) -> str:
    result = invoke_cli(*args)
    assert result.exit_code == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout


def fails(*args: object) -> str:
    """The command exits 1 with one line of error and no traceback."""
    result = invoke_cli(*args)
    text = result.stdout + result.stderr
    assert result.exit_code == 1, (args, text[-2000:])
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), lines
    return lines[0]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    cli("init", folder)
    return folder


def test_ingest_train_predict_roundtrip(ws: Path, tmp_path: Path) -> None:
    source = make_tickets(tmp_path / "tickets.csv")
    first = json.loads(cli("ingest", source, "--table", "tickets", *MAP, "-w", ws,
                           "--format", "json"))
    assert first[0]["rows_loaded"] == 240
    again = json.loads(cli("ingest", source, "--table", "tickets", *MAP, "-w", ws,
                           "--format", "json"))
    assert again[0]["skipped_as_duplicate_of"] == first[0]["ingest_id"]  # idempotent

    out = cli("train", "tickets-type", "tickets-negativity", "-w", ws)
    assert "tickets-type: per class" in out and "confusion matrix" in out
    assert "tickets-type: card <- " in out  # top terms per class
    metrics = json.loads(cli("train", "tickets-type", "-w", ws, "--format", "json"))
    assert metrics["tickets-type"]["macro_f1"] > 0.9  # the templates are separable
    meta = json.loads((ws / "models" / "tickets-type" / "v2" / "metadata.json").read_text())
    assert set(meta["labels"]) == {"card", "payment", "login"}
    assert set(meta["language_mix"]) == {"en", "ru"}
    assert meta["validation"]["tickets"] == 48  # newest 20 % of 240
    assert (ws / "models" / "tickets-type" / "v1" / "confusion.html").is_file()

    scores = json.loads(cli("predict", "tickets-type", "-w", ws, "--format", "json",
                            "--top", "500"))["tickets-type"]
    assert len(scores) == 240 and {s["label"] for s in scores} == {"card", "payment", "login"}
    assert max(s["score"] for s in scores) < 1.0  # sure, never certain: --threshold can act
    strict = json.loads(cli("predict", "tickets-type", "-w", ws, "--format", "json", "--top",
                            "500", "--threshold", "1.0"))["tickets-type"]
    assert {s["label"] for s in strict} == {"other"}  # --threshold reaches tickets-type

    new = tmp_path / "new.csv"
    new.write_text("message\nкарта не работает совсем\npayment failed again\nzzz qqq\n",
                   encoding="utf-8")
    scored = tmp_path / "out" / "scored.csv"
    cli("predict", "tickets-type", "--input", new, "--output", scored, "--threshold", "0.6",
        "-w", ws)
    with scored.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tickets-type_label"] for r in rows[:2]] == ["card", "payment"]
    assert rows[2]["tickets-type_label"] == "other"  # nothing it knows: under the threshold
    assert float(rows[2]["tickets-type_probability"]) < 0.6

    # Without --threshold, file scoring takes [models.tickets-type] other_threshold, as the
    # workspace's predict does.
    with (ws / "applens.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[models.tickets-type]\nother_threshold = 1.0\n")
    cli("predict", "tickets-type", "--input", new, "--output", scored, "-w", ws)
    with scored.open(encoding="utf-8") as handle:
        assert {r["tickets-type_label"] for r in csv.DictReader(handle)} == {"other"}


def test_rejects_empty_text_and_missing_id_per_row(ws: Path, tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("id,body\nA,fine text\nB,\n,no id here\nC,another\n", encoding="utf-8")
    out = json.loads(cli("ingest", source, "--table", "tickets", "--map", "ticket_id=id",
                         "--map", "text=body", "--max-rejects", "60%", "-w", ws,
                         "--format", "json"))
    assert (out[0]["rows_loaded"], out[0]["rows_rejected"]) == (2, 2)
    rejects = json.loads(cli("rejects", "-w", ws, "--format", "json"))
    assert sorted(r["column"] for r in rejects) == ["text", "ticket_id"]


def test_a_line_in_another_encoding_is_rejected_with_its_reason(ws: Path, tmp_path: Path,
                                                               ) -> None:
    source = tmp_path / "t.csv"
    good = "".join(f"T{i},карта номер {i} не работает\n" for i in range(40))
    source.write_bytes(b"id,text\n" + good.encode("utf-8")
                       + "X,плохая кодировка\n".encode("cp1251"))
    out = json.loads(cli("ingest", source, "--table", "tickets", "--map", "ticket_id=id",
                         "--max-rejects", "5%", "-w", ws, "--format", "json"))
    assert (out[0]["rows_loaded"], out[0]["rows_rejected"]) == (40, 1)
    (reject,) = json.loads(cli("rejects", "-w", ws, "--format", "json"))
    assert "utf-8" in reject["reason"].lower() or "encoding" in reject["reason"].lower()


def test_missing_text_column_is_one_line(ws: Path, tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("id,subject\nA,x\n", encoding="utf-8")
    line = fails("ingest", source, "--table", "tickets", "--map", "ticket_id=id", "-w", ws)
    assert "text" in line


def test_conflicting_labels_for_one_ticket_stop_the_ingest(ws: Path, tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("id,text,type\nA,card broken,card\nB,pay fail,payment\n"
                      "A,card broken,login\n", encoding="utf-8")
    line = fails("ingest", source, "--table", "tickets", "--map", "ticket_id=id", "-w", ws)
    assert "'A'" in line and "type" in line and "card / login" in line
    # nothing half-written: the next train says there are no tickets at all
    assert "no tickets" in fails("train", "tickets-type", "-w", ws)


def test_a_model_trained_on_one_class_is_refused(ws: Path, tmp_path: Path) -> None:
    source = make_tickets(tmp_path / "one.csv", one_type=True)
    cli("ingest", source, "--table", "tickets", *MAP, "-w", ws)
    line = fails("train", "tickets-type", "-w", ws)
    assert "at least two labels" in line and "'card'" in line
    assert not (ws / "models" / "tickets-type").exists()


def test_predict_on_a_workspace_without_tickets(ws: Path) -> None:
    line = fails("predict", "tickets-type", "-w", ws)
    assert "applens train" in line  # no model yet: train first
    line = fails("train", "tickets-negativity", "-w", ws)
    assert "no tickets" in line and "--table tickets" in line


def test_topics_without_labels(ws: Path, tmp_path: Path) -> None:
    source = make_tickets(tmp_path / "t.csv", n=300)
    cli("ingest", source, "--table", "tickets", "--map", "ticket_id=id", "--map", "text=body",
        "--map", "ts=created", "-w", ws)
    found = json.loads(cli("tickets", "topics", "--topics", "3", "-w", ws, "--format", "json"))
    assert len(found) == 3 and sum(t["tickets"] for t in found) <= 300
    assert all(t["terms"] and t["examples"] for t in found)
    table = cli("tickets", "topics", "--topics", "3", "-w", ws)
    assert "%" in table  # each topic's share of the tickets, as a percentage
    rows = list(csv.DictReader(cli("tickets", "topics", "--topics", "3", "-w", ws,
                                   "--format", "csv").splitlines()))
    assert 0 < float(rows[0]["share"]) <= 1  # CSV keeps the fraction, as JSON does


def test_predict_with_a_model_but_no_tickets_says_how_to_load_them(ws: Path, tmp_path: Path,
                                                                  ) -> None:
    import shutil

    trained = tmp_path / "trained"
    cli("init", trained)
    cli("ingest", make_tickets(tmp_path / "t.csv"), "--table", "tickets", *MAP, "-w", trained)
    cli("train", "tickets-type", "-w", trained)
    shutil.copytree(trained / "models", ws / "models")
    line = fails("predict", "tickets-type", "-w", ws)
    assert "no tickets to score" in line and "--table tickets" in line
    assert not list(ws.glob("*.csv"))  # nothing written beside it either
    scored = tmp_path / "scored.csv"
    new = tmp_path / "new.csv"
    new.write_text("text\nкарта не работает\n", encoding="utf-8")
    cli("predict", "tickets-type", "--input", new, "--output", scored, "-w", ws)  # a file: fine
    assert scored.read_text(encoding="utf-8").splitlines()[1].endswith(tuple("0123456789"))
