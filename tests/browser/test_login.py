"""Signing in to a server with APPLENS_TOKEN, in the real browser, with the network blocked."""

from __future__ import annotations

import pytest

from tests.browser.conftest import GUARD_TOKEN

pytestmark = pytest.mark.browser


def _sign_in(page, url: str, token: str) -> None:  # noqa: ANN001
    page.fill("input[name=token]", token)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_sign_in_lands_on_the_page_asked_for_with_a_session_the_page_cannot_read(
        page, watch, guarded_server):
    url = guarded_server.url
    response = page.goto(url + "/page/activity")
    assert response is not None and response.status == 401
    assert page.locator("form[action='/login']").count() == 1
    _sign_in(page, url, "a-wrong-token-for-sure")
    assert "That token is not right." in page.inner_text("main")
    _sign_in(page, url, GUARD_TOKEN)
    assert page.url == url + "/page/activity"
    assert page.locator("h1, h2").first.is_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["applens_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert GUARD_TOKEN not in session["value"]
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
    assert not watch.blocked and not watch.page_errors


@pytest.mark.parametrize("target", ["/\\evil.example/", "//evil.example/", "/\t/evil.example/",
                                    "https://evil.example/"])
def test_sign_in_never_leaves_the_host(page, watch, guarded_server, target):
    url = guarded_server.url
    page.goto(url + "/login?" + f"next={target}".replace("\t", "%09"))
    page.evaluate("n => document.querySelector('input[name=next]').value = n", target)
    _sign_in(page, url, GUARD_TOKEN)
    assert page.url == url + "/", page.url
    assert not watch.blocked, watch.blocked
