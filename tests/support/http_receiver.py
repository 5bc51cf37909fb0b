"""A real HTTP server on 127.0.0.1 that records what Apprise's ``json://`` posts to it."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Message:
    title: str
    body: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content)


class Receiver:
    """Collects messages; ``fail_next(n)`` answers the next n requests with HTTP 500."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.requests = 0
        self._failures_left = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                payload = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests += 1
                    failing = receiver._failures_left > 0
                    if failing:
                        receiver._failures_left -= 1
                    else:
                        receiver.messages.append(_parse(json.loads(payload)))
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The Apprise URL that posts JSON here."""
        host, port = self._server.server_address[:2]
        return f"json://{host}:{port}/"

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._failures_left = count

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _parse(payload: dict[str, Any]) -> Message:
    attachments = [
        (item.get("filename", ""), base64.b64decode(item.get("base64", "")))
        for item in payload.get("attachments") or []
    ]
    return Message(payload.get("title", ""), payload.get("message", ""), attachments)
