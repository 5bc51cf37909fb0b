"""The upload page in the real browser: fill the mapping fields, preview in place, upload;
no request leaves the host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import LiveServer, opens_workspace, serve

pytestmark = pytest.mark.browser

SPLIT = ("date,time,uid,action,plan\n2026-11-06,10:00:00,s1,view,pro\n"
         "2026-11-06,11:30:00,s2,like,free\nyesterday,12:00:00,s3,view,free\n")


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: these tests add data to its workspace."""
    folder = opens_workspace(tmp_path_factory.mktemp("browser-upload"), days=7, users=3)
    yield from serve(folder, tmp_path_factory)


def test_fill_the_mapping_preview_and_upload(page, watch, upload_server, tmp_path):
    source = tmp_path / "split.csv"
    source.write_text(SPLIT, encoding="utf-8")
    page.goto(upload_server.url + "/upload")
    events = page.locator("fieldset[data-table=events]")
    assert events.is_visible() and not page.locator("fieldset[data-table=users]").is_visible()
    page.select_option("#upload-table", "users")  # the fields follow the table
    assert page.locator("fieldset[data-table=users]").is_visible() and not events.is_visible()
    page.select_option("#upload-table", "events")

    events.get_by_label("ts (required)").fill("date+time")
    events.get_by_label("user_id (required)").fill("uid")
    events.get_by_label("event (required)").fill("action")
    page.set_input_files("#upload-file", str(source))  # previews in place
    page.wait_for_selector("#preview")
    assert "1 of 3 rows would be rejected" in page.inner_text("#preview-verdict")
    assert page.inner_text("#preview-mapping") == \
        "ts <- date+time, user_id <- uid, event <- action"
    assert page.locator("#source-columns option[value=uid]").count() == 1
    assert page.input_value("#upload-file") != ""  # the chosen file stays chosen

    page.fill("#upload-where", "plan = 'pro'")
    page.click("#upload-preview")
    page.wait_for_function(
        "() => document.querySelector('#preview-verdict').textContent.includes('filter')")

    with page.expect_navigation():
        page.click("#upload-submit")
    assert page.inner_text("#rows-read") == "3"
    assert page.inner_text("#rows-loaded") == "1"
    assert page.inner_text("#rows-filtered") == "2"
    assert page.inner_text("#rows-rejected") == "0"
    assert events.get_by_label("ts (required)").input_value() == "date+time"
    page.wait_for_load_state("networkidle")
    watch.assert_clean()
