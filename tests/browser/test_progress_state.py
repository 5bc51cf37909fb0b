"""A slow page shows its progress state at once and its charts when they arrive; a slow page
that fails says what failed, in the page. The page is made slow by a builder that waits
until the test lets it go, so "first the progress state, then the chart" is not a race."""

from __future__ import annotations

import threading

import pytest

from applens.errors import InvalidParameterError
from applens.web import create_app
from applens.web.pages import PAGES, Page
from applens.workspace import Workspace
from tests.browser.conftest import opens_workspace, wait_for_charts
from tests.integration.web.conftest import serve_http

pytestmark = pytest.mark.browser


@pytest.fixture
def held(tmp_path, monkeypatch):
    """A live dashboard with two pages that wait for ``release``: ``slow`` (the overview's
    data) and ``broken`` (fails with a parameter error)."""
    release = threading.Event()
    overview = PAGES["overview"].build

    def slow(ws, filters):  # noqa: ANN001, ANN202
        release.wait(60)
        return overview(ws, filters)

    def broken(ws, filters):  # noqa: ANN001, ANN202
        release.wait(60)
        raise InvalidParameterError("steps: no event named 'checkout' in this range.")

    monkeypatch.setitem(PAGES, "slow", Page("Slow", slow))
    monkeypatch.setitem(PAGES, "broken", Page("Broken", broken))
    ws = Workspace.open(opens_workspace(tmp_path / "ws", days=14, users=5))
    try:
        with serve_http(create_app(ws, page_wait_s=0.05)) as url:
            yield url, release
    finally:
        release.set()
        ws.close()


def test_a_slow_page_shows_progress_then_its_chart(page, watch, held, artifacts):
    url, release = held
    page.goto(f"{url}/page/slow", wait_until="commit")
    progress = page.locator("#page-progress")
    progress.wait_for(state="visible")
    assert "Working out this page" in progress.inner_text()
    assert page.locator(".chart").count() == 0 and page.locator("h1").inner_text() == "Slow"
    page.screenshot(path=str(artifacts / "slow-page-progress.png"))
    release.set()
    page.wait_for_load_state("load")
    assert wait_for_charts(page) >= 1
    assert progress.is_hidden()
    assert page.locator("form.filters").count() == 1
    page.screenshot(path=str(artifacts / "slow-page-done.png"), full_page=True)
    watch.assert_clean()


def test_a_slow_page_that_fails_says_what_failed(page, watch, held):
    url, release = held
    page.goto(f"{url}/page/broken", wait_until="commit")
    page.locator("#page-progress").wait_for(state="visible")
    release.set()
    alert = page.get_by_role("alert")
    alert.wait_for(state="visible")
    assert "This page could not be built" in alert.inner_text()
    assert "no event named 'checkout'" in alert.inner_text()
    assert page.locator("#page-progress").is_hidden()
    assert page.get_by_role("link", name="this page with its default filters").count() == 1
    watch.assert_clean()
