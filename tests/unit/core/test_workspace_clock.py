"""``Workspace.now`` is UTC whatever zone the injected clock answers in: ingest's "in the
future" check and the ledger's times compare it with UTC timestamps."""

import datetime as dt
from zoneinfo import ZoneInfo

from applens.workspace import Workspace


def test_now_is_utc_for_a_clock_in_another_zone(tmp_path):
    local = dt.datetime(2026, 11, 22, 16, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    with Workspace.init(tmp_path / "ws", clock=lambda: local) as ws:
        now = ws.now()
    assert now.utcoffset() == dt.timedelta(0)
    assert now == local and now.hour == 0 and now.day == 23


def test_a_naive_clock_is_read_as_utc(tmp_path):
    with Workspace.init(tmp_path / "ws", clock=lambda: dt.datetime(2026, 1, 2, 3, 4)) as ws:
        assert ws.now() == dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
