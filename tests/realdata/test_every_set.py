"""Everywhere: the ingest ledger adds up, train/predict/report exit 0 without a traceback
(the fixtures check that), every report section renders and report.json is strict JSON."""

from __future__ import annotations

import json
import re

import duckdb

from tests.realdata.conftest import Built
from tests.support.numbers import visible_text


def _refuse(constant: str) -> float:
    raise ValueError(f"report.json holds {constant}")


def test_the_ingest_ledger_adds_up(built: Built):
    summary = built.ingest
    assert summary["rows_read"] > 0 and summary["rows_loaded"] > 0
    assert summary["rows_read"] == (summary["rows_loaded"] + summary["rows_rejected"]
                                    + summary["rows_filtered"])
    with duckdb.connect(str(built.path / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("SELECT rows_read, rows_loaded, rows_rejected, rows_filtered, "
                          "started_at <= finished_at FROM ingests").fetchall()
        (rejects,), = con.execute("SELECT count(*) FROM rejects").fetchall()
    assert row == [(summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"],
                    summary["rows_filtered"], True)]
    assert rejects == summary["rows_rejected"]


def test_models_train_or_say_why_not(built: Built):
    said = built.steps["train"].stdout
    reasons = [line.split(": skipped. ", 1)[1] for line in said.splitlines()
               if ": skipped. " in line]
    assert all(len(reason) > 30 for reason in reasons), reasons  # a reason, not a shrug
    assert "warnings.warn(" not in said + built.steps["train"].stderr


def test_every_report_section_renders(built: Built):
    folder = built.report_dir()
    html = (folder / "report.html").read_text(encoding="utf-8")
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"),
                        parse_constant=_refuse)
    keys = [s["key"] for s in report["sections"]]
    for key in keys:
        assert f'data-section="{key}"' in html, key
    said = built.steps["report"].stdout + built.steps["report"].stderr
    for key, reason in report["skipped"].items():
        assert reason and key in said, key
    text = visible_text(html)
    for word in ("Traceback", "NaN", "nan", "None", "Infinity", "undefined"):
        assert not re.search(rf"\b{word}\b", text), word
