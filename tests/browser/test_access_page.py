"""The access page over the access demo (memberships and planted answers) in Chromium: its
charts draw, and an outlier day's link opens the page on that day for that cohort. The page
without memberships (its empty state) is covered by test_dashboard.py."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve, wait_for_charts

pytestmark = pytest.mark.browser

DATES = "date_from=2018-01-01&date_to=2021-07-01"


@pytest.fixture(scope="module")
def access_server(tmp_path_factory):
    from applens.demo.access_log import build_access_demo

    folder = tmp_path_factory.mktemp("browser-access-demo")
    truth = build_access_demo(folder)
    server = serve(folder, tmp_path_factory)
    yield truth, next(server)
    next(server, None)  # stops the server


def test_the_access_page_draws_its_charts_and_links_the_outlier_day(page, watch, access_server,
                                                                    artifacts):
    truth, server = access_server
    response = page.goto(f"{server.url}/page/access?{DATES}")
    assert response is not None and response.status == 200
    assert wait_for_charts(page) >= 2
    for chart in ("cross_program_daily", "top_content_bars"):
        assert page.locator(f'.chart[data-chart="{chart}"] svg').count() == 1, chart
    page.screenshot(path=str(artifacts / "access-with-memberships.png"), full_page=True)
    page.locator("#table-outlier_days a", has_text="that day").first.click()
    page.wait_for_load_state("networkidle")
    assert f"cohort={truth.spike_cohort}" in page.url
    assert page.get_by_text(f"What cohort {truth.spike_cohort} read on {truth.spike_day}"
                            ).count() == 1
    assert page.locator("#table-drill tbody tr").count() > 0
    wait_for_charts(page)
    watch.assert_clean()
