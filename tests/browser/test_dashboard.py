"""The dashboard in a real browser (Debian's Chromium), with the network blocked."""

from __future__ import annotations

from pathlib import Path

import pytest

from applens.web.pages import PAGES
from tests.browser.conftest import assert_offline_html_renders, wait_for_charts

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name", [*PAGES, "upload"])
def test_every_page_loads_with_charts_and_no_console_errors(page, watch, live_server, artifacts,
                                                            name):
    path = "/upload" if name == "upload" else f"/page/{name}"
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    drawn = wait_for_charts(page)
    if name == "access":  # cards and tables only; this demo has no memberships table
        assert page.get_by_text("No memberships yet").count() == 1
    elif name not in ("experiments", "upload"):
        assert drawn >= 1, f"{name} drew no chart"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    watch.assert_clean()


def _chart_markup(page, chart: str) -> str:  # noqa: ANN001
    return page.locator(f'.chart[data-chart="{chart}"] svg').first.inner_html()


def test_the_slice_filter_changes_the_charts(page, watch, live_server, artifacts):
    page.goto(live_server.url + "/page/overview")
    wait_for_charts(page)
    before = _chart_markup(page, "active_users")
    events_before = page.locator(".card").first.inner_text()
    page.select_option("#slice_key", "os")
    page.select_option("#slice_value", "iOS")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**slice_value=iOS**")
    wait_for_charts(page)
    assert _chart_markup(page, "active_users") != before
    assert page.locator(".card").first.inner_text() != events_before
    page.screenshot(path=str(artifacts / "overview-ios.png"), full_page=True)
    watch.assert_clean()


def test_the_date_filter_changes_the_charts(page, watch, live_server):
    page.goto(live_server.url + "/page/activity")
    wait_for_charts(page)
    before = _chart_markup(page, "active_users")
    page.fill("input[name=date_from]", "2026-11-10")
    page.fill("input[name=date_to]", "2026-11-15")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**date_from=2026-11-10**")
    wait_for_charts(page)
    assert _chart_markup(page, "active_users") != before
    watch.assert_clean()


def test_a_chart_csv_downloads(page, watch, live_server):
    page.goto(live_server.url + "/page/overview")
    wait_for_charts(page)
    with page.expect_download() as info:
        page.click("#panel-active_users a.download")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("period,dau,wau,mau")
    watch.assert_clean()


def test_upload_shows_row_errors_then_new_data(page, watch, live_server, artifacts, tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    bad = tmp_path / "bad <img src=x onerror=alert(4)>.csv"
    bad.write_text("ts,user_id,event\n2026-11-21T10:00:00Z,zz1,view\nyesterday,zz2,view\n"
                   "2026-11-21T11:00:00Z,,view\n")
    page.goto(live_server.url + "/upload")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("table.rejects tbody tr")
    assert page.locator("table.rejects tbody tr").count() == 2
    assert "yesterday" in page.locator("table.rejects").inner_text()
    assert page.locator("#rows-rejected").inner_text() == "2"
    assert page.locator(".upload-result h2").inner_text() == bad.name  # shown as text
    assert page.locator(".upload-result img").count() == 0 and not dialogs
    page.screenshot(path=str(artifacts / "upload-bad.png"), full_page=True)

    good = tmp_path / "good.csv"
    good.write_text("ts,user_id,event\n" + "".join(
        f"2026-11-21T12:{m:02d}:00Z,browser-user-{m},browser_test_event\n" for m in range(7)))
    page.set_input_files("input[name=file]", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#rows-loaded")
    assert page.locator("#rows-loaded").inner_text() == "7"
    page.goto(live_server.url + "/page/activity")
    wait_for_charts(page)
    assert "browser_test_event" in page.locator("#table-top_events").inner_text()
    page.screenshot(path=str(artifacts / "upload-good-activity.png"), full_page=True)
    watch.assert_clean()


def test_a_saved_chart_html_renders_offline(page, watch, tmp_path, artifacts):
    import altair as alt
    import pandas as pd

    from applens.charts import save_chart

    chart = alt.Chart(pd.DataFrame({"day": ["a", "b", "c"], "n": [3, 1, 2]})).mark_bar().encode(
        x="day:N", y="n:Q")
    path = save_chart(chart, tmp_path / "x.html")
    assert_offline_html_renders(page, path, watch)
    assert page.locator(".vega-embed .mark-rect path, .vega-embed canvas").count() >= 1
    page.screenshot(path=str(artifacts / "saved-chart.png"))
