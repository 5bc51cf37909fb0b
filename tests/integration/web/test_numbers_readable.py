"""Every dashboard page of the demo shows numbers people can read (no 0.0785554361,
1093227.0 or 4.54e+03)."""

from __future__ import annotations

import pytest

from tests.support.numbers import unreadable_numbers, visible_text

PAGES = ("overview", "activity", "retention", "funnels", "experiments", "anomalies", "models",
         "data")


@pytest.mark.parametrize("page", PAGES)
def test_dashboard_page_numbers_are_readable(demo_client, page):
    response = demo_client.get(f"/page/{page}")
    assert response.status_code == 200
    text = visible_text(response.text)
    assert unreadable_numbers(text) == [], page
