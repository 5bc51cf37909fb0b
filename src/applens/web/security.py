"""Pure-ASGI guards: the access token, the request-size limit, and the last-resort error net.

They are plain ASGI middleware (not ``BaseHTTPMiddleware``) so that the size limit can
answer 413 before the multipart parser has read the body, and so that no exception ever
reaches the client as a traceback.

The browser never holds the token: a login (form or ``?token=``) sets a session cookie
signed with HMAC-SHA256 under a key derived from a per-server secret and the token, so a
new token (or a restart) ends every session. Wrong tokens are throttled per client.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from starlette.requests import cookie_parser

from applens.errors import ConfigError
from applens.web.errors import error_response, login_page, wants_json

__all__ = [
    "COOKIE", "MIN_TOKEN_LENGTH", "Auth", "ErrorNetMiddleware", "FailureThrottle",
    "HostMiddleware", "SizeLimitMiddleware", "TokenMiddleware", "check_token", "client_key",
    "safe_next",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "applens_session"
MIN_TOKEN_LENGTH = 16
SESSION_MAX_AGE = 7 * 24 * 3600  # seconds a signed session stays valid
log = logging.getLogger("applens.web")


def check_token(token: str) -> str:
    """``token`` if it is long enough to resist guessing; a ConfigError saying how to fix it."""
    if len(token) < MIN_TOKEN_LENGTH or not token.strip():
        raise ConfigError(
            f"APPLENS_TOKEN is {len(token)} character(s) long; use at least "
            f"{MIN_TOKEN_LENGTH} random characters, e.g. the output of "
            "'python -c \"import secrets; print(secrets.token_urlsafe(24))\"'.")
    return token


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this server, else ``/``.

    Only a relative path that starts with one ``/`` is kept: no scheme or host, no
    backslash (browsers read ``/\\host`` as ``//host``), no control or space characters
    (browsers drop tabs and newlines, so ``/\\t/host`` would become ``//host``), and the
    same after percent-decoding and Unicode normalisation.
    """
    if not target:
        return "/"
    for form in (target, unquote(target), unicodedata.normalize("NFKC", unquote(target))):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return "/"
        if any(unicodedata.category(ch)[0] in "CZ" for ch in form):
            return "/"
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return "/"
    return target


def client_key(scope: Scope) -> str:
    """Who is guessing: the peer address (one key per IP)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class FailureThrottle:
    """After ``limit`` failures of one client within ``window`` seconds, it must wait.

    ``clock`` (seconds, default ``time.monotonic``) is injectable so tests need not sleep.
    """

    def __init__(self, limit: int = 10, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._failures.get(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None when it may try now."""
        now = self.clock()
        seen = self._recent(key, now)
        if len(seen) < self.limit:
            return None
        return max(1, math.ceil(seen[-self.limit] + self.window - now))

    def fail(self, key: str) -> None:
        now = self.clock()
        if len(self._failures) > 10_000:  # forget clients whose failures have all expired
            self._failures = {k: v for k, v in self._failures.items() if self._recent(k, now)}
        seen = self._recent(key, now)
        seen.append(now)
        self._failures[key] = seen


class Auth:
    """The server's token, its signed sessions and the throttle on wrong guesses."""

    def __init__(self, token: str, secret: bytes | None = None,
                 clock: Callable[[], float] = time.time,
                 throttle: FailureThrottle | None = None) -> None:
        self.token = check_token(token)
        self.clock = clock
        self.throttle = throttle or FailureThrottle(clock=clock)
        self._key = hmac.new(secret or secrets.token_bytes(32), b"applens-session|"
                             + token.encode("utf-8"), hashlib.sha256).digest()

    def token_ok(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(
            candidate.encode("utf-8"), self.token.encode("utf-8"))  # type: ignore[union-attr]

    def attempt(self, scope: Scope, candidate: str) -> Literal["ok", "wrong", "throttled"]:
        """Check a presented token; wrong ones count against the client."""
        key = client_key(scope)
        if self.throttle.retry_after(key) is not None:
            return "throttled"
        if self.token_ok(candidate):
            return "ok"
        self.throttle.fail(key)
        return "wrong"

    def _sign(self, issued: str) -> str:
        return hmac.new(self._key, issued.encode("ascii"), hashlib.sha256).hexdigest()

    def new_session(self) -> str:
        issued = str(int(self.clock()))
        return f"{issued}.{self._sign(issued)}"

    def session_ok(self, value: str | None) -> bool:
        issued, _, mac = (value or "").partition(".")
        if not issued.isdigit() or not hmac.compare_digest(mac, self._sign(issued)):
            return False
        return 0 <= self.clock() - int(issued) <= SESSION_MAX_AGE

    def cookie_header(self) -> str:
        return (f"{COOKIE}={self.new_session()}; Path=/; Max-Age={SESSION_MAX_AGE}; "
                "HttpOnly; SameSite=Lax")

    def too_many(self, scope: Scope) -> Any:
        wait = self.throttle.retry_after(client_key(scope)) or 1
        return error_response(
            scope, 429, "TooManyAttempts",
            f"Too many wrong access tokens from this address; try again in {wait} seconds.",
            headers={"Retry-After": str(wait)})


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
    """Every request must carry the token or a session: a header, the cookie, or ``?token=``.

    ``Authorization: Bearer T`` or ``X-Applens-Token: T`` suit scripts; ``?token=T`` (or the
    login form) sets an HttpOnly session cookie and redirects to the same page without it.
    """

    OPEN = ("/login",)

    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.OPEN:
            await self.app(scope, receive, send)
            return
        if self.auth.session_ok(cookie_parser(_header(scope, b"cookie") or "").get(COOKIE)):
            await self.app(scope, receive, send)
            return
        auth = _header(scope, b"authorization") or ""
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((v for k, v in query if k == "token"), None)
        header = bearer if bearer is not None else _header(scope, b"x-applens-token")
        presented = header if header is not None else given
        verdict = None if presented is None else self.auth.attempt(scope, presented)
        if verdict == "throttled":
            await self.auth.too_many(scope)(scope, receive, send)
            return
        if verdict == "ok" and header is None:
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            target = scope["path"] + (f"?{rest}" if rest else "")
            await _redirect_with_cookie(send, safe_next(target), self.auth.cookie_header())
            return
        if verdict == "ok":
            await self.app(scope, receive, send)
            return
        if not wants_json(scope) and scope["method"] in ("GET", "HEAD"):
            await login_page(scope, next_url=safe_next(scope["path"]),
                             failed=verdict == "wrong")(scope, receive, send)
            return
        message = ("This applens server needs its access token: send 'Authorization: Bearer "
                   "<APPLENS_TOKEN>' (or X-Applens-Token), or open the page with ?token=<token>.")
        await error_response(scope, 401, "Unauthorized", message)(scope, receive, send)


async def _redirect_with_cookie(send: Send, target: str, cookie: str) -> None:
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", quote(target, safe=":/%#?=@[]!$&'()*+,;").encode("ascii")),
        (b"set-cookie", cookie.encode("latin-1")), (b"content-length", b"0")]})
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
