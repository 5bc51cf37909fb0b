"""Browser tests: Playwright with Debian's Chromium against a live ``applens serve``.

Run ``scripts/ensure-chromium.sh`` first (``make test`` does); never ``playwright install``.
The network is blocked: every request that is not to 127.0.0.1 (or a file/data URL) is
aborted and recorded, and each test asserts that none was attempted.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from applens.ingest import ingest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
END = dt.date(2026, 11, 22)

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-base-url's fixture (a deprecated session-scoped method under pytest 9);
    tests use the live server's URL instead."""
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    workspace: Path
    process: subprocess.Popen


def _serve(folder: Path, log_path: Path, env: dict[str, str]) -> LiveServer:
    """``applens serve`` over ``folder`` in a subprocess on a free port, once it answers."""
    port = _free_port()
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "applens", "serve", "-w", str(folder), "--port", str(port),
         "--max-upload-mb", "5"], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {env['APPLENS_TOKEN']}"} if "APPLENS_TOKEN" in env else {}
    deadline = time.monotonic() + 60
    while True:
        try:
            request = urllib.request.Request(f"{url}/api/health", headers=headers)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"applens serve did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)
    log.close()
    return LiveServer(url, folder, process)


def _stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``applens serve`` in a subprocess on a free port, over a small demo workspace."""
    from applens.demo.job import run_demo

    folder = tmp_path_factory.mktemp("browser-demo")
    run_demo(folder, users=300, days=28, seed=5, end_date=END)
    _add_tickets(folder)
    yield from serve(folder, tmp_path_factory)


HOSTILE_TICKET = '<img src=x onerror="alert(1)"><b>app crashes</b> & nothing works'


def _add_tickets(folder: Path) -> None:
    """The demo's tickets, plus one whose text is markup (it must show as text)."""
    from applens.workspace import Workspace

    extra = folder / "data" / "tickets-extra.csv"
    extra.write_text('ticket_id,ts,text,negativity,type\nX1,2026-11-21 12:00:00,"'
                     + HOSTILE_TICKET.replace('"', '""') + '",very negative,crash\n',
                     encoding="utf-8")
    with Workspace.open(folder) as ws:
        ingest(ws, folder / "data" / "tickets.csv", table="tickets")
        ingest(ws, extra, table="tickets")


def serve(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``applens serve`` over ``folder`` (no token) until the generator is closed."""
    env = {k: v for k, v in os.environ.items() if k != "APPLENS_TOKEN"}
    server = _serve(folder, tmp_path_factory.mktemp("server") / "serve.log", env)
    # The first request bundles vega (a few seconds when not cached); do it before timing out.
    urllib.request.urlopen(f"{server.url}/static/vega.js", timeout=180).read()
    yield server
    _stop(server)


def opens_workspace(folder: Path, *, days: int, users: int) -> Path:
    """A workspace in ``folder`` where ``users`` people open the app at 10:00 UTC on each of
    the first ``days`` days of November 2026."""
    from applens.workspace import Workspace

    csv = folder.parent / f"{folder.name}-events.csv"
    csv.write_text("ts,user_id,event\n" + "".join(
        f"2026-11-{d:02d}T10:00:00Z,u{u},open\n" for d in range(1, days + 1)
        for u in range(users)), encoding="utf-8")
    with Workspace.init(folder) as ws:
        ingest(ws, csv)
    return folder


GUARD_TOKEN = "browser-test-token-0123456789"


@pytest.fixture(scope="session")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``applens serve`` with APPLENS_TOKEN set, over a workspace of a few events."""
    folder = opens_workspace(tmp_path_factory.mktemp("browser-guarded"), days=21, users=5)
    server = _serve(folder, tmp_path_factory.mktemp("server") / "guarded.log",
                    {**os.environ, "APPLENS_TOKEN": GUARD_TOKEN})
    yield server
    _stop(server)


@dataclass
class Watch:
    """What a page did: console errors, page errors, and blocked (non-local) requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.blocked, f"requests left the machine: {self.blocked}"
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "file", "about") or parsed.hostname == "127.0.0.1"


@pytest.fixture
def watch(page) -> Watch:  # noqa: ANN001 - the pytest-playwright fixture
    """Block the network for ``page`` and record what it tried and what it logged."""
    seen = Watch()

    def route(route) -> None:  # noqa: ANN001
        if _is_local(route.request.url):
            route.continue_()
        else:
            seen.blocked.append(route.request.url)
            route.abort()

    page.context.route("**/*", route)
    page.on("request", lambda r: None if _is_local(r.url) else seen.blocked.append(r.url))
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
    page.set_default_timeout(60_000)
    return seen


def wait_for_charts(page) -> int:  # noqa: ANN001
    """Wait until every chart on the page has been drawn by vega-embed; returns the count."""
    expected = page.locator("script.chart-spec").count()
    if expected:
        page.wait_for_function(
            "n => document.querySelectorAll('.chart[data-rendered]').length >= n", arg=expected)
        assert page.locator('.chart[data-rendered="error"]').count() == 0, \
            page.locator('.chart[data-rendered="error"]').first.inner_text()
        assert page.locator(".chart svg.marks, .chart canvas.marks").count() == expected
    return expected


def assert_offline_html_renders(page, path: Path, watch: Watch) -> None:  # noqa: ANN001
    """Open a self-contained HTML file (chart or report) with the network blocked; every
    Vega view in it must draw."""
    page.goto(path.resolve().as_uri())
    page.wait_for_selector(".vega-embed svg, .vega-embed canvas", state="attached")
    page.wait_for_load_state("networkidle")
    watch.assert_clean()
