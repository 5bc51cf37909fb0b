"""One error shape: ``{"ok": false, "error": {"type", "message"}, "status"}`` for the API,
a friendly HTML page (same type and message) for pages. Never a traceback."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response

__all__ = ["error_body", "error_response", "login_page", "wants_json"]

Scope = MutableMapping[str, Any]

_TITLES = {400: "Bad request", 401: "Access token needed", 404: "Not found",
           405: "Method not allowed", 413: "Upload too large", 422: "Cannot use this data",
           500: "Server error", 502: "Delivery failed"}


def error_body(status: int, type_: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"type": type_, "message": message}, "status": status}


def wants_json(scope: Scope) -> bool:
    """API paths, and clients that do not ask for HTML, get JSON."""
    if str(scope.get("path", "")).startswith("/api/") or scope.get("path") == "/openapi.json":
        return True
    for key, value in scope.get("headers", []):
        if key.lower() == b"accept":
            return b"text/html" not in value
    return False


def error_response(scope: Scope, status: int, type_: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    if wants_json(scope):
        return JSONResponse(error_body(status, type_, message), status_code=status,
                            headers=headers)
    from applens.web.templating import templates

    html = templates.get_template("error.html").render(
        status=status, type=type_, message=message, title=_TITLES.get(status, "Error"),
        nav=None)
    return HTMLResponse(html, status_code=status, headers=headers)


def login_page(scope: Scope, next_url: str = "/", failed: bool = False) -> Response:
    from applens.web.templating import templates

    html = templates.get_template("login.html").render(
        next_url=next_url if next_url.startswith("/") and not next_url.startswith("//") else "/",
        failed=failed, nav=None, title="Sign in")
    return HTMLResponse(html, status_code=401)
