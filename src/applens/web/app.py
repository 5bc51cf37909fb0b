"""The dashboard application: ``create_app(ws)`` returns a FastAPI app over one workspace.

Pages are server-rendered (Jinja2, autoescaped); charts are Vega-Lite specs embedded as JSON
and drawn by vega-embed served from ``/static/vega.js`` (no CDN). ``/api/`` answers the same
query specs as ``applens query``. The DuckDB connection is not thread-safe, so every use of
the workspace holds one lock.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as BuildPending
from typing import Annotated, Any, NamedTuple

from fastapi import Body, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from applens import __version__
from applens._validation import Problem, more_problems, problems
from applens.errors import ApplensError
from applens.web import pages
from applens.web.errors import error_response, login_page
from applens.web.page_builds import PageBuilds
from applens.web.security import (
    Auth,
    ErrorNetMiddleware,
    HostMiddleware,
    SizeLimitMiddleware,
    TokenMiddleware,
    safe_next,
)
from applens.web.templating import STATIC_DIR, templates
from applens.web.upload import install_upload, safe_filename

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "create_app", "safe_filename"]

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# A page not built by then is streamed: its progress state at once, its body when ready.
DEFAULT_PAGE_WAIT_S = 0.3
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


log = logging.getLogger("applens.web")


class _State:
    def __init__(self, ws: Any, page_wait_s: float = DEFAULT_PAGE_WAIT_S) -> None:
        self.ws = ws
        self.lock = threading.RLock()
        self.builds = PageBuilds(ws, self.lock, memos={
            "filters": lambda ws, items: pages.parse_filters(ws, dict(items)),
            "slice_options": pages.slice_options})
        self.page_wait_s = page_wait_s
        # Pages are opened off the request thread: even reading the filters waits for the
        # lock, which a build may hold for seconds, and the shell must not wait for that.
        self.openers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="applens-open")

    def page_data(self, name: str, filters: pages.Filters) -> pages.PageData:
        """The page's data, waiting for its build (kept per data version where it may be)."""
        return self.builds.start(name, filters).result()

    def filters(self, request: Request) -> pages.Filters:
        with self.lock:
            return pages.parse_filters(self.ws, _params(request))

    def open(self, name: str, params: dict[str, str]) -> Future[_Opened]:
        """What page ``name`` shows under the query ``params``, on an opener thread."""

        def opened() -> _Opened:
            with self.builds.visiting():
                filters = self.builds.memo("filters", tuple(sorted(params.items())))
                data = self.page_data(name, filters)
                return _Opened(filters, data, self.builds.memo("slice_options"))

        return self.openers.submit(opened)


class _Opened(NamedTuple):
    filters: pages.Filters
    data: pages.PageData
    slice_options: dict[str, list[str]]

    def context(self) -> dict[str, Any]:
        return {"filters": self.filters, "data": self.data, "slice_options": self.slice_options,
                "query": self.filters.query_items()}


def create_app(ws: Any, token: str | None = None,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               allowed_hosts: list[str] | None = None, auth: Auth | None = None,
               page_wait_s: float = DEFAULT_PAGE_WAIT_S, warm_pages: bool = False) -> FastAPI:
    """The dashboard over ``ws``; with ``token`` every request must carry it (or a session).

    ``allowed_hosts`` (e.g. ``["127.0.0.1", "localhost"]``) refuses requests whose Host
    header names anything else. ``auth`` replaces the one built from ``token`` (tests inject
    its clock and secret). A page whose data takes longer than ``page_wait_s`` to build
    shows a progress state until it arrives. ``warm_pages`` builds the default view of the
    cached pages in the background now and after each write (``applens serve`` does).
    """
    if auth is None and token:
        auth = Auth(token)
    app = FastAPI(
        title="applens", version=__version__,
        description="Product analytics dashboard and JSON API over one applens workspace. "
                    "`POST /api/query` takes the same query specs as `applens query`.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
        default_response_class=pages.StrictJSONResponse,
    )
    state = _State(ws, page_wait_s)
    with state.lock:  # DuckDB's progress bar would print into the server's terminal
        ws.connection.execute("SET enable_progress_bar = false")
    app.state.applens = state
    app.router.on_shutdown.append(state.builds.stop_warming)
    # Discover the pages here, in one thread: discovery imports the page modules, and a
    # request read during the warm thread's first read would find the registry half full.
    pages.PAGES.names()
    if warm_pages:
        state.builds.warm()
    app.state.max_upload_bytes = max_upload_bytes
    app.state.auth = auth
    _install_error_handlers(app)
    _pages(app, state)
    _api(app, state)
    install_upload(app, state, _render)
    # Swagger UI's own files, shipped by fastapi-offline (no CDN); mounted before /static.
    app.mount("/static/swagger", StaticFiles(packages=[("fastapi_offline", "static")]),
              name="swagger")
    # Mounted after the /static/vega.js route (in _pages) so that the route wins.
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    # Outermost last: errors net > token > size limit > app.
    app.add_middleware(SizeLimitMiddleware, max_bytes=max_upload_bytes)
    if auth is not None:
        app.add_middleware(TokenMiddleware, auth=auth)
    if allowed_hosts:
        app.add_middleware(HostMiddleware, hosts=allowed_hosts)
    app.add_middleware(ErrorNetMiddleware)
    return app


# -- errors ------------------------------------------------------------------------------
def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApplensError)
    async def _applens(request: Request, exc: ApplensError) -> Response:
        return error_response(request.scope, exc.status_code, type(exc).__name__, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized"}
        message = {404: f"Nothing here: {request.url.path}. The pages are listed at /."
                   }.get(exc.status_code, str(exc.detail))
        return error_response(request.scope, exc.status_code,
                              names.get(exc.status_code, "HTTPError"), message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        found = problems(exc, unknown="is not a known field.", tag=("body",))
        first = found[0] if found else Problem((), "", "invalid", "")
        where, more = first.key or "request", more_problems(found)
        if first.kind == "json_invalid":
            why = first.context.get("error", "invalid")
            message = f"The request body is not valid JSON: {why}."
        else:
            message = f"'{where}': {first.message}{more}."
        return error_response(request.scope, 422, "RequestValidationError", message)


# -- pages -------------------------------------------------------------------------------
def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    nav = [(key, entry.title) for key, entry in pages.PAGES.items()] + [("upload", "Upload")]
    html = templates.get_template(name).render(request=request, nav=nav, **context)
    return HTMLResponse(html, status_code=status)


def _pages(app: FastAPI, state: _State) -> None:
    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return page(request, "overview")

    @app.get("/page/{name}", include_in_schema=False)
    def page(request: Request, name: str) -> Response:
        entry = pages.PAGES.get(name)
        opening = state.open(name, _params(request))
        context = {"page": name, "title": entry.title, "workspace": state.ws.path.name}
        try:
            opened = opening.result(timeout=state.page_wait_s)
        except BuildPending:
            return StreamingResponse(_streamed(request, opening, context),
                                     media_type="text/html; charset=utf-8")
        return _render(request, "page.html", **opened.context(), **context)

    @app.get("/page/{name}/{item}.csv", include_in_schema=False)
    def page_csv(request: Request, name: str, item: str) -> Response:
        return _csv(state, request, name, item)

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        return login_page(request.scope, next_url=safe_next(next))

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: Annotated[str, Form()],
              next: Annotated[str, Form()] = "/") -> Response:
        auth: Auth | None = request.app.state.auth
        verdict = "wrong" if auth is None else auth.attempt(request.scope, token)
        if verdict == "throttled":
            return auth.too_many(request.scope)  # type: ignore[union-attr]
        if auth is None or verdict != "ok":
            return login_page(request.scope, next_url=safe_next(next), failed=True)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.headers.append("set-cookie", auth.cookie_header())
        return response

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        html = templates.get_template("api_docs.html").render(
            title=app.title, openapi_url=app.openapi_url)
        return HTMLResponse(html)

    @app.get("/static/vega.js", include_in_schema=False)
    def vega_js() -> Response:
        from applens.web.assets import vega_bundle

        return Response(vega_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


_BODY_MARK = "<!--page-body-->"
_HIDE_PROGRESS = "<style>#page-progress { display: none; }</style>\n"


def _streamed(request: Request, opening: Future[_Opened], context: dict[str, Any]
              ) -> Iterator[str]:
    """The page's shell with its progress state now; its body (or what failed) when it is
    ready. The status is already sent (200), so a failure is shown in the page."""
    nav = [(key, entry.title) for key, entry in pages.PAGES.items()] + [("upload", "Upload")]
    shell = templates.get_template("page.html").render(request=request, nav=nav, data=None,
                                                       **context)
    head, _, tail = shell.partition(_BODY_MARK)
    yield head
    try:
        body = templates.get_template("_page_body.html").render(
            **opening.result().context(), **context)
    except Exception as exc:  # noqa: BLE001 - shown in the page; the status is already sent
        if isinstance(exc, ApplensError):
            message = str(exc)
        else:
            log.exception("Building page %s failed", context["page"])
            message = "Something went wrong on the server; the details are in the server's log."
        body = templates.get_template("_page_failed.html").render(message=message, **context)
    yield _HIDE_PROGRESS + body
    yield tail


def _csv(state: _State, request: Request, name: str, item: str) -> Response:
    pages.PAGES.get(name)
    filters = state.filters(request)
    frame = state.page_data(name, filters).frame(item)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    stamp = f"{filters.date_from}_{filters.date_to}"
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}-{item}-{stamp}.csv"'})


# -- API ---------------------------------------------------------------------------------
_SPEC_EXAMPLE = {"kind": "active_users", "math": ["dau", "wau", "mau"], "interval": "day",
                 "date_from": "-30d"}


def _api(app: FastAPI, state: _State) -> None:
    @app.get("/api/health", tags=["api"], summary="Liveness and the workspace served")
    def health() -> dict[str, Any]:
        with state.lock:
            span = pages.data_range(state.ws)
        return {"ok": True, "version": __version__, "workspace": state.ws.path.name,
                "data_from": str(span[0]) if span else None,
                "data_to": str(span[1]) if span else None}

    @app.post("/api/query", tags=["api"], summary="Answer an insight query spec",
              description="The same spec as `applens query` (kinds: active_users, stickiness, "
                          "lifecycle, retention, funnel, trends). Answers "
                          '`{"ok": true, "kind", "result", "plan"}` (plan: whether the '
                          "rollups or a scan answered, and why); an invalid spec answers the "
                          "error shape with status 400.")
    def api_query(spec: Annotated[dict[str, Any], Body(examples=[_SPEC_EXAMPLE])]
                  ) -> dict[str, Any]:
        from applens import insights

        model = insights.parse_spec(spec)
        with state.lock:
            result = insights.query(model, state.ws)
        # plan: which path answered (the rollups or a scan of the events) and why.
        return {"ok": True, "kind": result.kind, "result": result.to_dict(),
                "plan": dict(result.plan)}

    @app.get("/api/pages", tags=["api"], summary="The dashboard pages")
    def api_pages() -> dict[str, Any]:
        return {"ok": True, "pages": [{"name": k, "title": entry.title} for k, entry in
                                      pages.PAGES.items()]}

    @app.get("/api/pages/{name}", tags=["api"], summary="A page's figures, chart data and tables",
             description="Query parameters: date_from, date_to (YYYY-MM-DD), slice_key, "
                         "slice_value, and page options (breakdown, steps, window_hours, "
                         "ingest).")
    def api_page(request: Request, name: str) -> dict[str, Any]:
        pages.PAGES.get(name)
        filters = state.filters(request)
        data = state.page_data(name, filters)
        return {"ok": True, "page": name, "filters": filters.query_items(), **data.to_dict()}

    @app.get("/api/pages/{name}/{item}.csv", tags=["api"], summary="One chart's data as CSV",
             response_class=Response)
    def api_csv(request: Request, name: str, item: str) -> Response:
        return _csv(state, request, name, item)
