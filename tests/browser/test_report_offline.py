"""The full HTML report of a small demo workspace renders every chart with the network blocked."""

from __future__ import annotations

import datetime as dt

import pytest

from applens.demo.job import run_demo
from applens.report import build_report, write_report
from applens.workspace import Workspace
from tests.browser.conftest import assert_offline_html_renders

pytestmark = pytest.mark.browser


def test_report_renders_offline(page, watch, tmp_path, artifacts):  # noqa: ANN001
    folder = tmp_path / "demo"
    run_demo(folder, users=200, days=21, seed=5, end_date=dt.date(2026, 11, 22))
    with Workspace.open(folder) as ws:
        report = build_report(ws)
        files = write_report(ws, report, folder / "out", png=False)
    specs = sum(len(s.charts) for s in report.sections)
    assert specs > 5
    assert_offline_html_renders(page, files.html, watch)
    drawn = ("() => [...document.querySelectorAll('.vega-embed')]"
             ".filter(e => e.querySelector('svg.marks, canvas.marks')).length")
    page.wait_for_function(f"n => ({drawn})() >= n", arg=specs)
    assert page.locator(".vega-embed").count() == specs == page.evaluate(drawn)
    watch.assert_clean()
    page.screenshot(path=str(artifacts / "report-offline.png"), full_page=True)
