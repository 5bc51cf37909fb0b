"""Pure-ASGI guards: the access token, the request-size limit, and the last-resort error net.

They are plain ASGI middleware (not ``BaseHTTPMiddleware``) so that the size limit can
answer 413 before the multipart parser has read the body, and so that no exception ever
reaches the client as a traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from applens.web.errors import error_response, wants_json

__all__ = [
    "COOKIE", "ErrorNetMiddleware", "HostMiddleware", "SizeLimitMiddleware", "TokenMiddleware",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "applens_token"
log = logging.getLogger("applens.web")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class SizeLimitMiddleware:
    """Answer 413 as soon as a request body is known to exceed ``max_bytes``.

    ``Content-Length`` is checked before anything is read; a chunked body is counted while
    it streams, and once over the limit the app is told the client went away.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        seen = 0
        rejected = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    rejected = True
                    if not started:
                        await self._respond(scope, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return  # the 413 already went out; the app's own answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not rejected:
                raise

    def _message(self) -> str:
        limit = self.max_bytes
        size = f"{limit / 1_048_576:g} MiB" if limit >= 1_048_576 else f"{limit:,} bytes"
        return (f"The request is larger than the upload limit of {size}. Split the file, or "
                "start 'applens serve' with a larger --max-upload-mb.")

    async def _respond(self, scope: Scope, send: Send) -> None:
        response = error_response(scope, 413, "PayloadTooLarge", self._message())
        await response({"type": "http"}, _no_body, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._respond(scope, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


class TokenMiddleware:
    """Every request must carry the token: a header, the cookie, or ``?token=`` once.

    ``Authorization: Bearer T`` or ``X-Applens-Token: T`` suit scripts; ``?token=T`` (or the
    login form) sets an HttpOnly cookie and redirects to the same page without the token.
    """

    OPEN = ("/login",)

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    def _ok(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(
            candidate.encode("utf-8"), self.token.encode("utf-8"))  # type: ignore[union-attr]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.OPEN:
            await self.app(scope, receive, send)
            return
        auth = _header(scope, b"authorization") or ""
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        cookies = SimpleCookie()
        try:
            cookies.load(_header(scope, b"cookie") or "")
        except Exception:  # a malformed cookie header is simply no cookie
            cookies = SimpleCookie()
        cookie = cookies[COOKIE].value if COOKIE in cookies else None
        if any(self._ok(c) for c in (bearer, _header(scope, b"x-applens-token"), cookie)):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((v for k, v in query if k == "token"), None)
        if self._ok(given):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            target = scope["path"] + (f"?{rest}" if rest else "")
            await _redirect_with_cookie(send, target, self.token)
            return
        if not wants_json(scope) and scope["method"] in ("GET", "HEAD"):
            from applens.web.errors import login_page

            await login_page(scope, next_url=scope["path"])(scope, receive, send)
            return
        message = ("This applens server needs its access token: send 'Authorization: Bearer "
                   "<APPLENS_TOKEN>' (or X-Applens-Token), or open the page with ?token=<token>.")
        await error_response(scope, 401, "Unauthorized", message)(scope, receive, send)


async def _redirect_with_cookie(send: Send, target: str, token: str) -> None:
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", target.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")),
        (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


class HostMiddleware:
    """Only answer requests addressed to one of ``hosts`` (blocks DNS-rebinding pages from
    reading a token-less dashboard on 127.0.0.1)."""

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = (_header(scope, b"host") or "").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.hosts:
                response = error_response(scope, 400, "InvalidHost",
                                          f"This server does not answer for host {host!r}.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ErrorNetMiddleware:
    """Whatever escapes the routes becomes the one error shape; the traceback goes to the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("Unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                return
            response = error_response(
                scope, 500, "InternalError",
                "Something went wrong on the server; the details are in the server's log.")
            await response(scope, receive, send)
