"""Fixtures of the in-process dashboard tests: a small demo workspace and a TestClient."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.testclient import TestClient

from applens.ingest import ingest
from applens.web import create_app
from applens.workspace import Workspace

END = dt.date(2026, 11, 22)
HOSTILE_EVENT = "<script>alert(1)</script>"
HOSTILE_COUNTRY = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="session")
def demo_ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace (300 users × 28 days), built once per test session."""
    from applens.demo.job import run_demo

    folder = tmp_path_factory.mktemp("web-demo")
    run_demo(folder, users=300, days=28, seed=3, end_date=END)
    return folder


@pytest.fixture(scope="session")
def demo_client(demo_ws_path: Path) -> TestClient:
    """A read-only client over the demo workspace (do not upload through it)."""
    ws = Workspace.open(demo_ws_path)
    with TestClient(create_app(ws), raise_server_exceptions=False) as client:
        yield client
    ws.close()


def write_events(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    lines = ["ts,user_id,event,country"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_ws(tmp_path: Path) -> Workspace:
    """A fresh workspace with a handful of events, including hostile names and values."""
    ws = Workspace.init(tmp_path / "ws", clock=lambda: dt.datetime(2026, 11, 22, tzinfo=dt.UTC))
    rows = []
    for day in range(1, 8):
        for user in range(5):
            stamp = f"2026-11-{day:02d}T10:{user:02d}:00Z"
            rows.append((stamp, f"u{user}", "app_open", "DE"))
            rows.append((stamp, f"u{user}", "view",
                         "FR" if user % 2
                         else f'"{HOSTILE_COUNTRY.replace(chr(34), chr(34) * 2)}"'))
            if user < 2:
                rows.append((stamp, f"u{user}", f'"{HOSTILE_EVENT}"', "DE"))
    ingest(ws, write_events(tmp_path / "seed.csv", rows))
    yield ws
    ws.close()


@pytest.fixture
def small_client(small_ws: Workspace) -> TestClient:
    with TestClient(create_app(small_ws, max_upload_bytes=64 * 1024),
                    raise_server_exceptions=False) as client:
        yield client


@contextmanager
def serve_http(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class FakeClock:
    """Seconds that only move when a test says so (``clock.advance(60)``)."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
