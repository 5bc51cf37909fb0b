"""Every dashboard page renders on every real workspace (in process, TestClient)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from applens.web import create_app
from applens.web.pages import PAGES
from applens.workspace import Workspace
from tests.realdata.conftest import Built
from tests.support.numbers import unreadable_numbers, visible_text

ERRORS = re.compile(r"Traceback|Internal Server Error|\bNaN\b|\bnan\b|\bundefined\b")


@pytest.fixture
def client(built: Built):
    ws = Workspace.open(built.path)
    with TestClient(create_app(ws), raise_server_exceptions=False) as client:
        yield client
    ws.close()


def test_every_page_and_its_api_render(client):
    for name in PAGES:
        page = client.get(f"/page/{name}", headers={"accept": "text/html"})
        assert page.status_code == 200, (name, page.text[:500])
        shown = visible_text(page.text)
        assert not ERRORS.search(shown), (name, ERRORS.search(shown))
        assert 'class="error-page"' not in page.text, name
        assert unreadable_numbers(shown) == [], name
        api = client.get(f"/api/pages/{name}")
        assert api.status_code == 200, (name, api.text[:500])
        assert isinstance(api.json(), dict)
