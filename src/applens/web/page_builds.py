"""Page builds off the request thread, and their results kept per data version.

A request asks ``PageBuilds.start(name, filters)`` for a future and waits for it a moment;
a page not ready by then is streamed: its shell with a progress state at once, its body
when the future resolves (``app.py``). The build runs on one worker thread under the
workspace lock (the DuckDB connection is not thread-safe).

A page registered ``cached=True`` reads only the warehouse (no files), so its result is
kept under ``(page, filters, ws.data_version())``: a reload is instant, and any write to
the warehouse (an ingest, the monitor's alerts) makes the next request build afresh. The
same request asked twice while it builds shares one build. Failed builds are not kept.

``warm()`` builds the default view (no filters) of every cached page ahead of the first
visit: at start, and again when a request finds the data version moved (an upload). It
builds one page at a time, and none while a visitor's page is being opened (``visiting``):
the workspace lock is not fair, and a visitor must not wait behind the next warm build.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from applens.web import pages

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["PageBuilds"]

KEEP = 64  # finished results kept (the default view of every page with a few filters each)


class PageBuilds:
    def __init__(self, ws: Workspace, lock: Any, keep: int = KEEP,
                 memos: dict[str, Callable[[Workspace], Any]] | None = None) -> None:
        """``memos``: what else is kept per data version (and warmed), by name."""
        self.ws = ws
        self.lock = lock
        self.keep = keep
        self.memos = memos or {}
        self._visitors = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="applens-page")
        self._kept: OrderedDict[tuple[Any, ...], Future[Any]] = OrderedDict()
        self._mutex = threading.Lock()
        self._warmed: Any = None  # the data version warm() last ran for
        self._closed = threading.Event()
        self._warmer: threading.Thread | None = None

    def stop_warming(self) -> None:
        """The app is shutting down (its workspace closes next): warm no further page, and
        wait for the one being built (closing a connection in use fails)."""
        self._closed.set()
        if self._warmer is not None:
            self._warmer.join(timeout=120)

    def warm(self) -> None:
        """Build every cached page's default view, one after another, in the background."""
        version = self.ws.data_version()
        with self._mutex:
            if version == self._warmed:
                return
            self._warmed = version
        self._warmer = threading.Thread(target=self._warm_all, name="applens-warm", daemon=True)
        self._warmer.start()

    @contextmanager
    def visiting(self) -> Iterator[None]:
        """A visitor's page is being opened: warming waits."""
        with self._mutex:
            self._visitors += 1
        try:
            yield
        finally:
            with self._mutex:
                self._visitors -= 1

    def _warm_all(self) -> None:
        # Not on the pool's worker: it waits for each build, which runs on that worker.
        steps: list[Callable[[], Any]] = [self._memo_defaults]
        steps += [lambda name=name: self.start(name, self._default_filters()).exception()
                  for name, entry in pages.PAGES.items() if entry.cached]
        for step in steps:
            while self._visitors and not self._closed.is_set():
                time.sleep(0.05)
            if self._closed.is_set():
                return
            try:
                step()  # a failed build shows when its page is opened
            except Exception:  # noqa: BLE001 - warming is a head start, never required
                return

    def _default_filters(self) -> pages.Filters:
        return self.memo("filters", ())

    def _memo_defaults(self) -> None:
        """The memos of the default view: the filters of the empty query, the rest as is."""
        for what in self.memos:
            self.memo(what, *(((),) if what == "filters" else ()))

    def start(self, name: str, filters: pages.Filters) -> Future[pages.PageData]:
        """The build of page ``name`` under ``filters``: kept, in flight, or just started."""
        entry = pages.PAGES.get(name)
        if not entry.cached:
            return self._pool.submit(self._locked, entry.build, filters)
        return self._kept_or_new((name, *sorted(filters.query_items().items())),
                                 lambda: self._locked(entry.build, filters))

    def memo(self, what: str, *args: Any) -> Any:
        """``memos[what](ws, *args)`` kept per data version (the filters of a query, the
        slice options), computed in the caller's thread: it is quick, and must not queue
        behind a build. Once kept it is read without the workspace lock."""
        key = (what, *args, self.ws.data_version())
        with self._mutex:
            found = self._kept.get(key)
        if found is None:
            with self.lock:
                value = self.memos[what](self.ws, *args)
            found = Future()
            found.set_result(value)
            self._keep(key, found)
        return found.result()

    def _kept_or_new(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Future[Any]:
        version = self.ws.data_version()  # no lock: a kept page never waits for a build
        if self._warmed is not None and version != self._warmed:
            self.warm()  # new data: the default views again
        key = (*key, version)
        with self._mutex:
            found = self._kept.get(key)
            if found is not None and not (found.done() and found.exception() is not None):
                self._kept.move_to_end(key)
                return found
            future = self._pool.submit(build)
        self._keep(key, future)
        return future

    def _keep(self, key: tuple[Any, ...], future: Future[Any]) -> None:
        with self._mutex:
            self._kept[key] = future
            self._kept.move_to_end(key)
            while len(self._kept) > self.keep:
                self._kept.popitem(last=False)

    def _locked(self, build: Callable[..., Any], *args: Any) -> Any:
        with self.lock:
            return build(self.ws, *args)
