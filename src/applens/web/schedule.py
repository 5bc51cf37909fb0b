"""Wall-clock jobs: ``applens serve --schedule`` (the monitor every 15 minutes, the daily
digest at 07:00 in the workspace timezone, each ``[etl.NAME]`` job at its cron ``schedule``
for yesterday, and once at start) and ``applens monitor --every``.

A job's next slot is computed from the clock (a cron expression via croniter, or a period
aligned on the epoch), never by adding sleeps, so the loop does not drift and a slot missed
while the machine slept is not replayed several times. A failed run is logged and retried
with back-off (1, 2, 4 … minutes, at most 30) until it succeeds or its next regular slot
comes. The dashboard's lock is held only while the warehouse is used, never while a
notification is sent or backs off.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

__all__ = ["DIGEST_CRON", "Job", "Scheduler", "cron", "every", "run_forever", "start_scheduler",
           "tick"]

log = logging.getLogger("applens.web.schedule")
MONITOR_EVERY = dt.timedelta(minutes=15)
DIGEST_CRON = "0 7 * * *"  # 07:00 in the workspace timezone: yesterday is complete by then
RETRY_FIRST = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(minutes=30)
MAX_WAIT = 60.0  # seconds; the loop looks at the clock at least this often

NextSlot = Callable[[dt.datetime], dt.datetime]


def cron(expression: str, zone: ZoneInfo) -> NextSlot:
    """The first time strictly after ``now`` that matches ``expression`` in ``zone`` (in UTC:
    aware times in one zone compare by wall clock, which is wrong around DST changes)."""
    def next_after(now: dt.datetime) -> dt.datetime:
        local = croniter(expression, now.astimezone(zone)).get_next(dt.datetime)
        return local.astimezone(dt.UTC)

    return next_after


def every(period: dt.timedelta) -> NextSlot:
    """The next multiple of ``period`` since the epoch (UTC) strictly after ``now``."""
    step = period.total_seconds()

    def next_after(now: dt.datetime) -> dt.datetime:
        elapsed = (now - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds()
        return dt.datetime.fromtimestamp((elapsed // step + 1) * step, dt.UTC)

    return next_after


def _log_failure(job: Job, exc: BaseException, retry_at: dt.datetime) -> None:
    log.error("Scheduled %s failed; retrying at %s", job.name, retry_at.isoformat(),
              exc_info=exc)


@dataclass
class Job:
    """``action(slot)`` at every slot of ``next_after``; a failure is retried with back-off.

    ``slot`` is the regular time the pending run belongs to (a retry keeps it, so a retried
    digest is still the digest of the same day); ``due`` is when it runs.
    """

    name: str
    next_after: NextSlot
    action: Callable[[dt.datetime], Any]
    on_error: Callable[[Job, BaseException, dt.datetime], Any] = _log_failure
    slot: dt.datetime | None = None
    due: dt.datetime | None = None
    failures: int = 0

    def start(self, now: dt.datetime, *, at_once: bool = False) -> Job:
        self.slot = self.due = now.astimezone(dt.UTC) if at_once else self.next_after(now)
        return self

    def run_if_due(self, now: dt.datetime) -> None:
        if self.due is None:
            self.start(now)
        assert self.slot is not None and self.due is not None
        if now < self.due:
            return
        try:
            self.action(self.slot)
        except Exception as exc:  # a scheduled job must never stop the loop
            self.failures += 1
            regular = self.next_after(now)
            retry = now + min(RETRY_FIRST * 2 ** (self.failures - 1), RETRY_MAX)
            if retry < regular:
                self.due = retry
            else:  # the next slot comes first: that run replaces the retries
                self.slot = self.due = regular
                self.failures = 0
            self.on_error(self, exc, self.due)
            return
        self.failures = 0
        self.slot = self.due = self.next_after(now)


def tick(jobs: list[Job], now: dt.datetime) -> dt.datetime:
    """Run every job that is due at ``now``; the time the next one is due."""
    for job in jobs:
        job.run_if_due(now)
    return min(job.due for job in jobs if job.due is not None)


def run_forever(jobs: list[Job], clock: Callable[[], dt.datetime],
                wait: Callable[[float], Any]) -> None:
    """Run ``jobs`` until ``wait`` returns True (a stop event) or raises (Ctrl-C).

    After each tick the loop waits until the next job is due by ``clock``, at most
    ``MAX_WAIT`` seconds, so a clock that jumps (suspend, NTP) is noticed.
    """
    while True:
        wake = tick(jobs, clock())
        if wait(min(MAX_WAIT, max(0.0, (wake - clock()).total_seconds()))):
            return


def _find(module: str, name: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


class Scheduler:
    """The monitor every 15 minutes, the digest of yesterday (local) at ``DIGEST_CRON`` and
    each ETL job (yesterday, local) at its own cron ``schedule``."""

    def __init__(self, ws: Any, lock: Any, say: Callable[[str], Any] = print) -> None:
        self.ws = ws
        self.lock = lock
        self.say = say
        self.stop_event = threading.Event()
        self.monitor = _find("applens.monitor", "run_once")
        self.build_digest = _find("applens.report.digest", "build_digest")
        self.send_digest = _find("applens.report.digest", "send_digest")
        self.thread = threading.Thread(target=self._loop, name="applens-schedule", daemon=True)
        self.zone = ZoneInfo(ws.settings.timezone)
        self.jobs: list[Job] | None = None

    def start(self) -> Scheduler:
        if self.monitor is None:
            self.say("--schedule: applens.monitor is not available; the monitor will not run.")
        if self.build_digest is None or self.send_digest is None:
            self.say("--schedule: applens.report.digest is not available; no daily digest.")
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def make_jobs(self, now: dt.datetime) -> list[Job]:
        """The jobs, first due: the monitor at once, the digest at its next slot."""
        jobs = []
        if self.monitor is not None:
            jobs.append(Job("monitor", every(MONITOR_EVERY), self._monitor).start(
                now, at_once=True))
        if self.build_digest is not None and self.send_digest is not None:
            jobs.append(Job("digest", cron(DIGEST_CRON, self.zone), self._digest).start(now))
        jobs += self.etl_jobs(now)
        return jobs

    def etl_jobs(self, now: dt.datetime) -> list[Job]:
        """Each declared ``[etl.NAME]`` job at its cron ``schedule`` (workspace timezone),
        and once at start: a server that was down when a slot passed catches up."""
        declared = _find("applens.etl", "jobs")
        if declared is None:
            return []
        try:
            etl_jobs = declared(self.ws)
        except Exception as exc:  # a bad [etl] table must not stop the dashboard
            self.say(f"--schedule: no ETL jobs: {exc}")
            return []
        return [Job(f"etl:{name}", cron(job.schedule, self.zone), self._etl(name)).start(
            now, at_once=True) for name, job in etl_jobs.items()]

    def _etl(self, name: str) -> Callable[[dt.datetime], Any]:
        def action(slot: dt.datetime) -> None:
            from applens.etl import run_date

            with self.lock:  # it reads the warehouse (and may write to it)
                run_date(self.ws, name, self.digest_day(slot))

        return action

    def run_due(self, now: dt.datetime) -> dt.datetime | None:
        """Run what is due at ``now``; the time the next job is due (None: no jobs)."""
        if self.jobs is None:
            self.jobs = self.make_jobs(now)
        return tick(self.jobs, now) if self.jobs else None

    def _monitor(self, slot: dt.datetime) -> None:
        # run_once holds the lock while it uses the warehouse, not while it sends.
        self.monitor(self.ws, lock=self.lock)  # type: ignore[misc]

    def digest_day(self, slot: dt.datetime) -> dt.date:
        """The local day a digest slot reports on: the day before the slot, in the zone."""
        return slot.astimezone(self.zone).date() - dt.timedelta(days=1)

    def _digest(self, slot: dt.datetime) -> None:
        with self.lock:
            built = self.build_digest(self.ws, self.digest_day(slot))  # type: ignore[misc]
        self.send_digest(self.ws, built)  # type: ignore[misc]

    def _loop(self) -> None:
        self.jobs = self.make_jobs(self.ws.now())
        if self.jobs:
            run_forever(self.jobs, self.ws.now, self.stop_event.wait)


def start_scheduler(ws: Any, lock: Any, say: Callable[[str], Any] = print) -> Scheduler:
    return Scheduler(ws, lock, say).start()
