"""The API docs (Swagger UI) render from the server's own assets, with the network blocked."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_api_docs_render_the_operations_offline(page, watch, live_server, artifacts):
    response = page.goto(live_server.url + "/api/docs")
    assert response is not None and response.status == 200
    page.wait_for_selector(".opblock .opblock-summary-path", state="visible")
    paths = page.locator(".opblock .opblock-summary-path").all_inner_texts()
    assert {"/api/health", "/api/query", "/api/pages/{name}"} <= {p.strip() for p in paths}
    page.locator(".opblock-summary", has_text="/api/query").first.click()
    page.wait_for_selector(".opblock.is-open .opblock-section", state="visible")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts / "api-docs.png"), full_page=True)
    watch.assert_clean()


@pytest.mark.parametrize("path", ["/login?next=/page/data", "/no/such/page", "/upload"])
def test_other_pages_ask_nothing_of_other_hosts(page, watch, live_server, path):
    page.goto(live_server.url + path)  # 401 and 404 pages: the status itself is logged
    page.wait_for_load_state("networkidle")
    assert not watch.blocked, f"requests left the machine: {watch.blocked}"
    assert not watch.page_errors
