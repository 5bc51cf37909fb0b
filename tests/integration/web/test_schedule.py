"""Schedules: ``applens serve --schedule`` and ``applens monitor --every``, on an injected clock.

The real monitor, digest and notifications (Apprise ``json://`` to a local HTTP receiver)
run; only time is simulated, and nothing sleeps longer than a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from applens.ingest import ingest
from applens.web.schedule import Job, Scheduler, cron, every, run_forever, tick
from applens.workspace import Workspace
from tests.integration.web.conftest import write_events

LA = ZoneInfo("America/Los_Angeles")


class Clock:
    """A settable wall clock for the workspace (aware datetimes)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def la_ws(tmp_path: Path, http_receiver):
    """Events 2026-11-15..23 (local), Los Angeles time, one json:// channel, no retries."""
    clock = Clock(dt.datetime(2026, 11, 22, 16, 0, tzinfo=LA))
    folder = tmp_path / "la"
    Workspace.init(folder).close()
    ws = Workspace(folder, clock=clock, timezone="America/Los_Angeles",
                   notify={"urls": [http_receiver.url], "retries": 0, "backoff_seconds": 0})
    rows = [(f"2026-11-{d:02d}T{h:02d}:00:00", f"u{u}", "open", "US")
            for d in range(15, 24) for h in (9, 20) for u in range(d - 10)]
    clock.now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=LA)  # the log as loaded afterwards
    ingest(ws, write_events(tmp_path / "la.csv", rows))
    clock.now = dt.datetime(2026, 11, 22, 16, 0, tzinfo=LA)
    yield ws
    ws.close()


def test_the_digest_is_built_for_the_local_day_at_its_local_hour(la_ws, http_receiver):
    scheduler = Scheduler(la_ws, threading.RLock(), say=lambda m: None)
    scheduler.monitor = None  # the digest alone here
    afternoon = dt.datetime(2026, 11, 22, 16, 0, tzinfo=LA)  # already 2026-11-23 in UTC
    wake = scheduler.run_due(afternoon)
    assert http_receiver.messages == []  # nothing at 16:00: the day is not over
    assert wake == dt.datetime(2026, 11, 23, 7, 0, tzinfo=LA)
    assert scheduler.run_due(wake - dt.timedelta(seconds=1)) == wake
    assert http_receiver.messages == []
    scheduler.run_due(wake)
    (message,) = http_receiver.messages
    assert "2026-11-22" in message.title
    assert (la_ws.path / "digests" / "2026-11-22" / "digest.md").is_file()
    assert not (la_ws.path / "digests" / "2026-11-23").exists()
    assert scheduler.run_due(wake + dt.timedelta(minutes=5)) == wake + dt.timedelta(days=1)


def test_a_failed_digest_is_retried_with_back_off_for_the_same_day(la_ws, http_receiver,
                                                                   caplog):
    scheduler = Scheduler(la_ws, threading.RLock(), say=lambda m: None)
    scheduler.monitor = None
    slot = dt.datetime(2026, 11, 23, 7, 0, tzinfo=LA)
    scheduler.run_due(slot - dt.timedelta(hours=1))
    http_receiver.fail_next(2)
    retries = [scheduler.run_due(slot)]
    retries.append(scheduler.run_due(retries[-1]))
    assert [r - slot for r in retries] == [dt.timedelta(minutes=1), dt.timedelta(minutes=3)]
    assert "Scheduled digest failed; retrying at" in caplog.text
    assert http_receiver.messages == []
    # The third try succeeds and still reports on the slot's day; then the next day's slot.
    after = scheduler.run_due(retries[-1])
    (message,) = http_receiver.messages
    assert "2026-11-22" in message.title and after == slot + dt.timedelta(days=1)


def test_a_failing_job_does_not_stop_the_others(small_ws, caplog):
    runs: list[str] = []

    def broken(slot):
        raise RuntimeError("monitor exploded")

    start = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
    jobs = [Job("broken", every(dt.timedelta(minutes=15)), broken).start(start, at_once=True),
            Job("fine", every(dt.timedelta(minutes=15)), lambda s: runs.append(s.isoformat())
                ).start(start, at_once=True)]
    tick(jobs, start)
    assert runs == [start.isoformat()]
    assert "Scheduled broken failed" in caplog.text and "monitor exploded" in caplog.text


def test_slots_follow_the_clock_without_drift_or_pile_up():
    seen: list[dt.datetime] = []
    now = [dt.datetime(2026, 11, 22, 6, 0, 7, tzinfo=dt.UTC)]

    def slow(slot):  # each run takes 40 s of (simulated) time
        seen.append(slot)
        now[0] += dt.timedelta(seconds=40)

    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        now[0] += dt.timedelta(seconds=seconds)
        if len(seen) == 4 and not slept:
            slept.append(True)
            now[0] += dt.timedelta(hours=2)  # the laptop sleeps: 07:15 runs once, late; the
            # other seven slots it missed are not replayed
        return len(seen) >= 7

    slept: list[bool] = []

    job = Job("m", every(dt.timedelta(minutes=15)), slow).start(now[0])
    run_forever([job], lambda: now[0], wait)
    assert [s.strftime("%H:%M:%S") for s in seen] == [
        "06:15:00", "06:30:00", "06:45:00", "07:00:00", "07:15:00", "09:15:00", "09:30:00"]
    assert max(waits) <= 60  # the clock is looked at every minute at least


def test_cron_slots_are_local_and_survive_daylight_saving():
    next_after = cron("0 7 * * *", LA)
    before = dt.datetime(2026, 10, 31, 12, 0, tzinfo=dt.UTC)
    first = next_after(before)
    second = next_after(first)
    third = next_after(second)  # DST ends at 02:00 on 2026-11-01 in Los Angeles
    assert [s.astimezone(LA).strftime("%m-%d %H:%M") for s in (first, second, third)] == [
        "10-31 07:00", "11-01 07:00", "11-02 07:00"]
    assert [second - first, third - second] == [dt.timedelta(hours=25), dt.timedelta(hours=24)]


# -- the lock --------------------------------------------------------------------------------
def lock_is_free(lock) -> bool:
    """Whether another thread (a dashboard request) can take ``lock`` within 0.5 s."""
    got: list[bool] = []

    def other() -> None:
        got.append(lock.acquire(timeout=0.5))
        if got[0]:
            lock.release()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    return got[0]


MONITORS = {"events": {"slice": "1h", "history": "2d", "catch_up": "1d", "min_volume": 1,
                       "direction": "both"}}


def test_notification_back_off_does_not_hold_the_dashboard_lock(la_ws, http_receiver):
    from applens.monitor import run_once

    lock = threading.RLock()
    during_backoff: list[bool] = []

    def probe(seconds: float) -> None:  # the back-off sleep: can the dashboard get in?
        during_backoff.append(lock_is_free(lock))

    from applens.monitor import state

    state.ensure_tables(la_ws)
    state.queue_message(la_ws, dt.datetime(2026, 11, 23), [http_receiver.url], "t", "b", None)
    http_receiver.fail_next(10)
    la_ws.settings = la_ws.settings.model_copy(update={"notify": {
        "urls": [http_receiver.url], "retries": 2, "backoff_seconds": 5}})
    run = run_once(la_ws, monitors={}, sleep=probe, lock=lock)
    assert during_backoff == [True, True]
    assert run.messages_pending == 1 and http_receiver.requests == 3


def test_the_scheduler_runs_the_monitor_outside_its_lock(la_ws):
    lock = threading.RLock()
    free: list[bool] = []

    def monitor(ws, *, lock):
        free.append(lock_is_free(lock))
    scheduler = Scheduler(la_ws, lock, say=lambda m: None)
    scheduler.monitor = monitor
    scheduler.build_digest = scheduler.send_digest = None
    scheduler.run_due(la_ws.now())
    assert free == [True]


# -- monitor --every ---------------------------------------------------------------------------
def test_monitor_every_keeps_running_after_a_failed_run(tmp_path):
    folder = tmp_path / "broken"
    Workspace.init(folder).close()
    with (folder / "applens.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[monitors.dau]\ndetector = "no-such-detector"\n')
    write_events(tmp_path / "e.csv", [("2026-11-01T10:00:00Z", "u1", "open", "DE")])
    ws = Workspace(folder)
    ingest(ws, tmp_path / "e.csv")
    ws.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[3] / "src"), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "applens", "monitor", "--every", "10s", "-w", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        said = ""
        while "still running" not in said and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            said += line
        said = " ".join(said.split())
        assert "Monitor run failed" in said and "no-such-detector" in said, said
        assert "still running" in said
        time.sleep(0.5)
        assert process.poll() is None, "the loop stopped after its first failure"
    finally:
        process.terminate()
        rest = process.communicate(timeout=20)[1]
    assert "Traceback" not in rest


def test_the_digest_is_sent_outside_the_lock(la_ws, http_receiver):
    from applens.report.digest import send_digest

    lock = threading.RLock()
    free: list[bool] = []
    scheduler = Scheduler(la_ws, lock, say=lambda m: None)
    scheduler.monitor = None
    scheduler.send_digest = lambda ws, built: (free.append(lock_is_free(lock)),
                                               send_digest(ws, built))
    slot = dt.datetime(2026, 11, 23, 7, 0, tzinfo=LA)
    scheduler.run_due(slot - dt.timedelta(minutes=1))
    scheduler.run_due(slot)
    assert free == [True] and len(http_receiver.messages) == 1
