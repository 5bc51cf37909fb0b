"""The daily digest on a tiny hand-checked workspace: numbers, files, delivery, failure."""

import datetime as dt

import pytest

from applens.ingest import ingest
from applens.report.digest import build_digest, send_digest
from applens.workspace import Workspace

DAY = dt.date(2026, 10, 28)  # a Wednesday
# ts (UTC), user, event, session. Day D: u1 u2 u3 (u3 new), 5 events, 3 sessions, s7 crashes.
# D-1: u1 u2, 3 events, 2 sessions. D-7: u1 (new), u2 (new), 2 events, 2 sessions.
ROWS = """ts,user_id,event,session_id
2026-10-21 09:00:00,u1,open,s1
2026-10-21 10:00:00,u2,open,s2
2026-10-27 09:00:00,u1,open,s3
2026-10-27 09:05:00,u1,like,s3
2026-10-27 11:00:00,u2,open,s4
2026-10-28 08:00:00,u1,open,s5
2026-10-28 09:00:00,u2,open,s6
2026-10-28 10:00:00,u3,open,s7
2026-10-28 10:01:00,u3,crash,s7
2026-10-28 23:59:59,u3,open,s7
2026-10-29 00:00:00,u4,open,s8
"""


@pytest.fixture
def ws(workspace, tmp_path):
    csv = tmp_path / "events.csv"
    csv.write_text(ROWS)
    ingest(workspace, csv)
    with open(workspace.path / "applens.toml", "a") as f:
        f.write("\n[notify]\nretries = 0\nbackoff_seconds = 0\n")
    return workspace


def test_comparisons_are_hand_checked(ws):
    d = build_digest(ws, DAY)
    dau, events, new, sessions, crash = (d.metric(k) for k in
                                         ("dau", "events", "new_users", "sessions", "crash_rate"))
    assert (dau.value, dau.previous_day, dau.last_week) == (3, 2, 2)
    assert dau.vs_previous_day == (1, pytest.approx(0.5))
    assert (events.value, events.previous_day, events.last_week) == (5, 3, 2)
    assert events.vs_last_week == (3, pytest.approx(1.5))
    assert (new.value, new.previous_day, new.last_week) == (1, 0, 2)
    assert new.vs_previous_day == (1, None)  # no % change from zero
    assert (sessions.value, sessions.previous_day) == (3, 2)
    assert crash.value == pytest.approx(1 / 3) and crash.previous_day == 0
    body = d.markdown.read_text()
    assert "| Daily active users | 3 | +1 (+50.0%) | +1 (+50.0%) |" in body
    assert "| Crash rate | 33.33% | +33.33 pp | +33.33 pp |" in body
    assert d.folder == ws.path / "digests" / "2026-10-28"
    assert len(d.charts) == 2 and all(p.read_bytes()[:4] == b"\x89PNG" for p in d.charts)
    assert len(d.daily) == 7 and d.daily["period"].iloc[-1] == DAY


def test_default_day_is_yesterday_in_the_workspace_timezone(ws):
    assert ws.yesterday() == dt.date(2026, 10, 31)  # FIXED_NOW is 2026-11-01 12:00 UTC


def test_text_and_png_arrive(ws, http_receiver, monkeypatch):
    monkeypatch.setenv("APPLENS_NOTIFY_URLS", http_receiver.url)
    ws = Workspace.open(ws.path)
    send_digest(ws, build_digest(ws, DAY))
    (message,) = http_receiver.messages
    assert "2026-10-28" in message.title and "Daily active users" in message.body
    assert [name for name, _ in message.attachments] == ["dau-7d.png", "metrics-7d.png"]
    assert all(content[:4] == b"\x89PNG" for _, content in message.attachments)


def test_cli_sends_and_fails_cleanly(ws, http_receiver, monkeypatch, run_cli):
    monkeypatch.setenv("APPLENS_NOTIFY_URLS", http_receiver.url)
    ok = run_cli("digest", "--date", "2026-10-28", "--send", "-w", ws.path)
    assert ok.exit_code == 0, ok.stderr
    assert "Daily active users" in ok.stdout and len(http_receiver.messages) == 1
    http_receiver.fail_next(5)
    bad = run_cli("digest", "--date", "2026-10-27", "--send", "-w", ws.path)
    assert bad.exit_code == 1
    error = bad.stderr.strip()
    assert error.startswith("Error:") and "saved in" in error and "\n" not in error
    assert (ws.path / "digests" / "2026-10-27" / "digest.md").is_file()


def test_help_has_an_example(run_cli):
    assert "Example:" in run_cli("digest", "--help").stdout
