"""Every dashboard page of the demo, in Chromium: numbers people can read (no raw floats or
scientific notation in the text, charts' axis labels included) and a screenshot per page."""

from __future__ import annotations

import pytest

from applens.web.pages import PAGES
from tests.browser.conftest import wait_for_charts
from tests.support.numbers import unreadable_numbers

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name", list(PAGES))
def test_dashboard_numbers_are_readable(page, watch, live_server, artifacts, name):
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(f"{live_server.url}/page/{name}")
    assert response is not None and response.status == 200
    wait_for_charts(page)
    shown = page.inner_text("main")
    charts = page.evaluate("() => [...document.querySelectorAll('.chart svg text')]"
                           ".map(t => t.textContent).join('\\n')")
    assert unreadable_numbers(shown) == [], name
    assert unreadable_numbers(charts) == [], name
    page.screenshot(path=str(artifacts / f"numbers-{name}.png"), full_page=True)
    watch.assert_clean()
