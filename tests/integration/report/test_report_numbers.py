"""The demo report shows numbers people can read; report.json keeps the raw values."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from applens.demo.job import run_demo
from applens.report import build_report, write_report
from applens.workspace import Workspace
from tests.support.numbers import unreadable_numbers, visible_text


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-numbers")
    run_demo(folder, users=300, days=28, seed=5, end_date=dt.date(2026, 11, 22))
    ws = Workspace.open(folder)
    written = write_report(ws, build_report(ws), folder / "out", png=False)
    yield written
    ws.close()


def test_report_html_has_no_unreadable_number(files):
    text = visible_text(files.html.read_text(encoding="utf-8"))
    assert unreadable_numbers(text) == []
    assert "<td>" not in text  # tables were rendered, and rendered as text


def test_report_tables_group_counts(files):
    html = files.html.read_text(encoding="utf-8")
    data = json.loads(files.json.read_text(encoding="utf-8"))
    quality = next(s for s in data["sections"] if s["key"] == "quality")
    rows = next(f for f in quality["figures"] if f["label"] == "rows ingested")["value"]
    assert rows > 1000 and f"{rows:,}" in html
