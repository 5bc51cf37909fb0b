"""``applens serve --schedule``: the monitor every 15 minutes and the daily digest, in a thread.

Each job is looked up when the scheduler starts; a job whose module is not installed is
reported once and skipped. A failing run is logged and retried at the next slot.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Scheduler", "start_scheduler"]

log = logging.getLogger("applens.web.schedule")
MONITOR_EVERY = dt.timedelta(minutes=15)


def _find(module: str, name: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


class Scheduler:
    def __init__(self, ws: Any, lock: Any, say: Callable[[str], Any] = print) -> None:
        self.ws = ws
        self.lock = lock
        self.say = say
        self.stop_event = threading.Event()
        self.monitor = _find("applens.monitor", "run_once")
        self.build_digest = _find("applens.report.digest", "build_digest")
        self.send_digest = _find("applens.report.digest", "send_digest")
        self.thread = threading.Thread(target=self._loop, name="applens-schedule", daemon=True)
        self.last_digest: dt.date | None = None

    def start(self) -> Scheduler:
        if self.monitor is None:
            self.say("--schedule: applens.monitor is not available; the monitor will not run.")
        if self.build_digest is None or self.send_digest is None:
            self.say("--schedule: applens.report.digest is not available; no daily digest.")
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def run_due(self, now: dt.datetime) -> None:
        """Run what is due at ``now`` (the monitor every call, the digest once a day)."""
        if self.monitor is not None:
            self._safely("monitor", self.monitor, self.ws)
        today = now.date()
        if self.build_digest and self.send_digest and self.last_digest != today:
            self.last_digest = today
            day = today - dt.timedelta(days=1)

            def digest() -> None:
                self.send_digest(self.ws, self.build_digest(self.ws, day))

            self._safely("digest", digest)

    def _safely(self, name: str, job: Callable[..., Any], *args: Any) -> None:
        try:
            with self.lock:
                job(*args)
        except Exception:  # a scheduled job must never take the server down
            log.exception("Scheduled %s failed; it runs again at the next slot", name)

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            self.run_due(self.ws.now())
            self.stop_event.wait(MONITOR_EVERY.total_seconds())


def start_scheduler(ws: Any, lock: Any, say: Callable[[str], Any] = print) -> Scheduler:
    return Scheduler(ws, lock, say).start()
