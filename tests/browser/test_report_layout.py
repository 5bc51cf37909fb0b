"""The demo report, looked at in Chromium: charts fill their card, no label or legend is cut
off, axis labels do not overlap, no heading repeats, no zero count poses as a finding, and
no number is printed with more than 4 significant digits. A screenshot per section is kept."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from applens.demo.job import run_demo
from applens.report import build_report, write_report
from applens.workspace import Workspace
from tests.browser.conftest import assert_offline_html_renders
from tests.support.numbers import unreadable_numbers

pytestmark = pytest.mark.browser

OVERLAPS = r"""() => {
  const out = [];
  for (const axis of document.querySelectorAll('.chart g.role-axis-label')) {
    const boxes = [...axis.querySelectorAll('text')]
      .filter(t => t.textContent && getComputedStyle(t).opacity !== '0'
                   && t.getAttribute('opacity') !== '0'
                   // rotated labels have overlapping boxes without touching; left out
                   && !/rotate\((?!0\))/.test(t.getAttribute('transform') || ''))
      .map(t => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [ta, a] = boxes[i], [tb, b] = boxes[j];
      if (a.left < b.right - 1 && b.left < a.right - 1
          && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        out.push(axis.closest('.chart').id + ': ' + ta + ' / ' + tb);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-layout")
    run_demo(folder, users=300, days=28, seed=3, end_date=dt.date(2026, 11, 22))
    with Workspace.open(folder) as ws:
        report = build_report(ws)
        files = write_report(ws, report, folder / "out", png=False)
    return files.html


def test_report_layout_is_readable(page, watch, report_html, artifacts):  # noqa: ANN001
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_offline_html_renders(page, report_html, watch)
    page.wait_for_function("document.body.dataset.chartsRendered !== undefined")
    specs = {s.get_attribute("data-target"): json.loads(s.text_content())
             for s in page.query_selector_all("script.vl-spec")}
    assert specs
    for chart_id, spec in specs.items():
        holder = page.locator(f"#{chart_id}")
        drawn = holder.locator("svg.marks").first.bounding_box()
        card = holder.bounding_box()
        assert drawn and card
        if spec.get("width") == "container":  # single views fill the card
            assert drawn["width"] >= 0.9 * card["width"], (chart_id, drawn, card)
        assert drawn["width"] <= card["width"] + 1, (chart_id, "wider than its card")
    cut = page.evaluate("() => [...document.querySelectorAll('.chart svg text')]"
                        ".map(t => t.textContent).filter(t => t.endsWith('…'))")
    assert cut == [], f"labels cut off: {cut}"
    assert page.evaluate(OVERLAPS) == []
    for section in page.query_selector_all("section.report-section"):
        headings = [h.inner_text().strip() for h in section.query_selector_all("h2, h3")]
        assert len(headings) == len(set(headings)), headings
        findings = [li.inner_text() for li in section.query_selector_all("ul.findings li")]
        assert not [f for f in findings if re.match(r"0 (?!%)", f)], findings
        figures = [f.inner_text() for f in section.query_selector_all(".figure")]
        assert not [f for f in figures if "likely to crash" in f and f.startswith("0")]
        section.screenshot(path=str(artifacts / f"report-{section.get_attribute('id')}.png"))
    assert unreadable_numbers(page.inner_text("main")) == []
    watch.assert_clean()
