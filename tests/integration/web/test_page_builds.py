"""Page data kept per data version, streamed when slow, and warmed ahead of the first visit."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from applens.ingest import ingest
from applens.web import create_app
from applens.web.pages import PAGES, Page
from tests.integration.web.conftest import write_events

HTML = {"accept": "text/html"}


def _counting(monkeypatch, name: str, *, cached: bool, delay: float = 0.0) -> list[str]:
    """Page ``name``: the overview's builder, counting its calls (and ``delay`` s slower)."""
    calls: list[str] = []
    overview = PAGES["overview"].build

    def build(ws, filters):  # noqa: ANN001, ANN202
        calls.append(filters.date_to.isoformat())
        time.sleep(delay)
        return overview(ws, filters)

    monkeypatch.setitem(PAGES, name, Page(name.title(), build, cached))
    return calls


def _events_card(html: str) -> str:
    return html.split('<div class="label">Events</div><div class="value">')[1].split("<")[0]


def test_a_cached_page_is_built_once_per_data_version(small_ws, tmp_path, monkeypatch):
    calls = _counting(monkeypatch, "kept", cached=True)
    with TestClient(create_app(small_ws), raise_server_exceptions=False) as client:
        first = client.get("/page/kept", headers=HTML).text
        again = client.get("/page/kept", headers=HTML).text
        assert len(calls) == 1 and _events_card(first) == _events_card(again)
        assert client.get("/api/pages/kept").status_code == 200 and len(calls) == 1
        ingest(small_ws, write_events(tmp_path / "more.csv", [
            ("2026-11-07T12:00:00Z", "u9", "view", "DE")]))
        after = client.get("/page/kept", headers=HTML).text
    assert len(calls) == 2, "an ingest must make the next request build afresh"
    assert _events_card(after) != _events_card(first)


def test_a_page_not_marked_cached_is_built_on_every_request(small_ws, monkeypatch):
    calls = _counting(monkeypatch, "fresh", cached=False)
    with TestClient(create_app(small_ws), raise_server_exceptions=False) as client:
        client.get("/page/fresh", headers=HTML)
        client.get("/page/fresh", headers=HTML)
    assert len(calls) == 2


def test_a_slow_page_streams_its_progress_state_then_its_body(small_ws, monkeypatch):
    _counting(monkeypatch, "slow", cached=False, delay=0.3)
    with TestClient(create_app(small_ws, page_wait_s=0.01),
                    raise_server_exceptions=False) as client:
        response = client.get("/page/slow", headers=HTML)
    html = response.text
    assert response.status_code == 200
    progress, style, chart = (html.index('id="page-progress"'),
                              html.index("#page-progress { display: none; }"),
                              html.index('class="chart-spec"'))
    assert progress < style < chart and html.rstrip().endswith("</html>")


def test_warm_pages_builds_the_default_views_before_the_first_visit(small_ws, monkeypatch):
    calls = _counting(monkeypatch, "warmed", cached=True)
    with TestClient(create_app(small_ws, warm_pages=True),
                    raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 30
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls, "warm_pages built nothing"
        client.get("/page/warmed", headers=HTML)
        time.sleep(0.2)
    assert len(calls) == 1  # the visit was answered from the warmed build



def test_a_page_opened_while_another_builds_gets_its_progress_state_first(small_ws,
                                                                           monkeypatch):
    """A held build has the workspace lock; another page's shell arrives before it is let go
    (read from a real socket: the shell must not wait for the lock)."""
    import http.client
    import threading
    import urllib.request
    from urllib.parse import urlsplit

    from tests.integration.web.conftest import serve_http

    release = threading.Event()
    overview = PAGES["overview"].build

    def held(ws, filters):  # noqa: ANN001, ANN202
        release.wait(30)
        return overview(ws, filters)

    monkeypatch.setitem(PAGES, "held", Page("Held", held))
    with serve_http(create_app(small_ws, page_wait_s=0.2)) as url:
        first = threading.Thread(target=lambda: urllib.request.urlopen(
            f"{url}/page/held", timeout=60).read())
        first.start()
        try:
            time.sleep(0.5)  # the held build has the lock now
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("GET", "/page/overview", headers=HTML)
            response = conn.getresponse()
            shell = ""
            while "page-progress" not in shell:
                line = response.readline()
                assert line, "the response ended without a progress state"
                shell += line.decode("utf-8")
            assert not release.is_set() and "chart-spec" not in shell
        finally:
            release.set()
        rest = response.read().decode("utf-8")
        first.join(30)
    assert 'class="chart-spec"' in rest and rest.rstrip().endswith("</html>")
