"""Issue 17's check on real data, in Chromium: every report section and dashboard page of an
access-log workspace (the Apache log) and an A/B-only workspace (Cookie Cats' players as a
users table) is screenshotted under test-artifacts/browser/realdata/, and no number on them
has more than 4 significant digits unless it is an id, a count or a date. The demo's pages
are covered by test_dashboard_numbers.py."""

from __future__ import annotations

import gc

import pytest

from applens.web.pages import PAGES
from tests.browser.conftest import serve, wait_for_charts
from tests.conftest import SHARED_DATA
from tests.realdata.conftest import build
from tests.support.numbers import unreadable_numbers

pytestmark = pytest.mark.browser

SETS = {
    "apache": (SHARED_DATA / "apache_access_logs" / "apache_logs", "--preset", "combined-log"),
    "cookie_cats": (SHARED_DATA / "cookie_cats" / "cookie_cats.csv", "--table", "users"),
}


@pytest.fixture(scope="module", params=list(SETS))
def real_server(request, tmp_path_factory):
    source, *args = SETS[request.param]
    built = build(tmp_path_factory, f"browser-{request.param}", source, *args)
    gc.collect()  # the in-process commands' workspaces close their warehouse (one writer)
    server = serve(built.path, tmp_path_factory)
    yield request.param, built, next(server)
    next(server, None)  # stops the server


@pytest.fixture
def shots(artifacts):
    folder = artifacts / "realdata"
    folder.mkdir(exist_ok=True)
    return folder


def _readable(page, where: str) -> None:  # noqa: ANN001
    shown = page.inner_text(where)
    charts = page.evaluate("() => [...document.querySelectorAll('.chart svg text, "
                           ".vega-embed svg text')].map(t => t.textContent).join('\\n')")
    assert unreadable_numbers(shown) == [], where
    assert unreadable_numbers(charts) == [], where


def test_every_dashboard_page(page, watch, real_server, shots):
    name, _, server = real_server
    page.set_viewport_size({"width": 1280, "height": 900})
    for page_name in PAGES:
        response = page.goto(f"{server.url}/page/{page_name}")
        assert response is not None and response.status == 200, page_name
        wait_for_charts(page)
        _readable(page, "main")
        page.screenshot(path=str(shots / f"{name}-page-{page_name}.png"), full_page=True)
    watch.assert_clean()


def test_every_report_section(page, watch, real_server, shots):
    name, built, _ = real_server
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((built.report_dir() / "report.html").resolve().as_uri())
    page.wait_for_load_state("networkidle")
    sections = page.locator("section.report-section")
    keys = [sections.nth(i).get_attribute("data-section") for i in range(sections.count())]
    assert keys, "the report has no section"
    for key in keys:
        section = page.locator(f'section[data-section="{key}"]')
        section.scroll_into_view_if_needed()
        _readable(page, f'section[data-section="{key}"]')
        section.screenshot(path=str(shots / f"{name}-report-{key}.png"))
    _readable(page, "body")
    page.screenshot(path=str(shots / f"{name}-report.png"), full_page=True)
    watch.assert_clean()
