"""The Support page in a real browser: charts drawn, ticket texts shown as text."""

from __future__ import annotations

import pytest

from tests.browser.conftest import HOSTILE_TICKET, wait_for_charts

pytestmark = pytest.mark.browser


def test_support_page_draws_and_escapes_ticket_text(page, watch, live_server, artifacts):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(live_server.url + "/page/support?date_from=2026-10-26&date_to=2026-11-22")
    assert response is not None and response.status == 200
    assert wait_for_charts(page) >= 2  # volume by type, negative share
    body = page.locator("body").inner_text()
    assert "Negative share" in body and "Most recent negative tickets" in body
    assert HOSTILE_TICKET in body  # the markup is shown as the user wrote it
    assert page.locator("table img").count() == 0 and not dialogs  # and never runs
    page.screenshot(path=str(artifacts / "support.png"), full_page=True)
    watch.assert_clean()
