"""``applens serve --schedule``: the monitor every slot, the digest once a day."""

from __future__ import annotations

import datetime as dt
import threading

from applens.web.schedule import Scheduler


def test_monitor_runs_every_slot_and_digest_once_a_day(small_ws):
    calls: list[str] = []
    scheduler = Scheduler(small_ws, threading.RLock(), say=lambda m: None)
    scheduler.monitor = lambda ws: calls.append("monitor")
    scheduler.build_digest = lambda ws, day: calls.append(f"build {day}") or {"day": day}
    scheduler.send_digest = lambda ws, digest: calls.append(f"send {digest['day']}")
    day = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
    scheduler.run_due(day)
    scheduler.run_due(day + dt.timedelta(minutes=15))
    scheduler.run_due(day + dt.timedelta(days=1))
    assert calls == ["monitor", "build 2026-11-21", "send 2026-11-21", "monitor", "monitor",
                     "build 2026-11-22", "send 2026-11-22"]


def test_a_failing_job_does_not_stop_the_others(small_ws, caplog):
    calls: list[str] = []
    scheduler = Scheduler(small_ws, threading.RLock(), say=lambda m: None)

    def broken(ws):
        raise RuntimeError("monitor exploded")

    scheduler.monitor = broken
    scheduler.build_digest = lambda ws, day: {"day": day}
    scheduler.send_digest = lambda ws, digest: calls.append("sent")
    scheduler.run_due(dt.datetime(2026, 11, 22, tzinfo=dt.UTC))
    assert calls == ["sent"]
    assert "Scheduled monitor failed" in caplog.text


def test_missing_modules_are_reported_and_skipped(small_ws):
    said: list[str] = []
    scheduler = Scheduler(small_ws, threading.RLock(), say=said.append)
    scheduler.monitor = None
    scheduler.build_digest = scheduler.send_digest = None
    scheduler.start()
    scheduler.stop()
    scheduler.thread.join(timeout=5)
    assert any("monitor" in m for m in said) and any("digest" in m for m in said)
