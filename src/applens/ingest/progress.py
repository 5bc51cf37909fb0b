"""Report the progress of a long DuckDB query from a watcher thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["ProgressCallback", "watch_query"]

ProgressCallback = Callable[[float], None]  # fraction done, 0..1


@contextmanager
def watch_query(con, callback: ProgressCallback | None, every: float = 0.2) -> Iterator[None]:  # noqa: ANN001
    """Poll ``con.query_progress()`` while the body runs a query on ``con``."""
    if callback is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(every):
            try:
                percent = con.query_progress()
            except Exception:  # noqa: BLE001 - progress is best effort, never fatal
                continue
            if percent is not None and percent >= 0:
                callback(min(percent / 100.0, 1.0))

    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    watcher = threading.Thread(target=poll, name="applens-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        callback(1.0)
