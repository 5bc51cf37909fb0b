"""On every real event log: each overview question the planner answers from the rollups
gives the scan's answer exactly (day, week and month intervals over the data's own span)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from applens.insights import query
from applens.workspace import Workspace
from tests.realdata.conftest import Built

EVENT_LOGS = ["retail_2011", "retail_2009", "apache", "almhuette", "udacity"]


def _specs(first: str, last: str, mid: str, event: str) -> list[dict]:
    span = {"date_from": first, "date_to": last}
    return [
        # one event name (the log's most frequent): its day masks, and its per-day counts
        {"kind": "active_users", "event": event, "math": ["total", "dau", "wau", "mau"],
         **span},
        {"kind": "stickiness", "event": event, "interval": "week", **span},
        {"kind": "retention", "target": {"event": event}, "total_intervals": 8, **span},
        {"kind": "retention", "retention_type": "first_time", "target": {"event": event},
         "cumulative": True, "total_intervals": 8, "date_from": mid, "date_to": last},
        {"kind": "lifecycle", "event": event, "interval": "week", **span},
        {"kind": "trends", "interval": "month", "series": [
            {"event": event}, {"event": event, "math": "dau"}], **span},
        # first-time cohorts over the whole span, and from mid-span (earlier users drop out)
        {"kind": "retention", "retention_type": "first_time", "total_intervals": 8, **span},
        {"kind": "retention", "retention_type": "first_ever", "interval": "week",
         "cumulative": True, "total_intervals": 6, **span},
        {"kind": "retention", "retention_type": "first_time", "total_intervals": 8,
         "date_from": mid, "date_to": last},
        {"kind": "retention", "cumulative": True, "total_intervals": 8, **span},
        {"kind": "active_users", "math": ["dau", "wau", "mau"], **span},
        {"kind": "stickiness", **span},
        {"kind": "lifecycle", "interval": "week", **span},
        {"kind": "lifecycle", "interval": "day", **span},
        {"kind": "retention", "total_intervals": 8, **span},
        {"kind": "retention", "interval": "week", "total_intervals": 6, **span},
        {"kind": "retention", "interval": "month", "total_intervals": 4, **span},
        {"kind": "trends", "interval": "month", "series": [
            {"event": None}, {"event": None, "math": "dau"}], "formula": "A / B", **span},
        {"kind": "trends", "interval": "week", "series": [{"event": None, "math": "dau"}],
         **span},
    ]


@pytest.mark.parametrize("name", EVENT_LOGS)
def test_rollup_answers_equal_the_scan_on_real_logs(request: pytest.FixtureRequest,
                                                    name: str):
    built: Built = request.getfixturevalue(name)
    ws = Workspace(built.path)
    (lo, hi), = ws.connection.execute("SELECT min(ts), max(ts) FROM events").fetchall()
    (event,), = ws.connection.execute("SELECT event FROM events GROUP BY event "
                                      "ORDER BY count(*) DESC, event LIMIT 1").fetchall()
    # the whole span, starting mid-week and mid-month as the data does
    first, last = lo.date().isoformat(), (hi.date() + timedelta(days=1)).isoformat()
    paths = []
    mid = (lo.date() + (hi.date() - lo.date()) / 3).isoformat()
    for spec in _specs(first, last, mid, event):
        auto = query(spec, ws)
        scan = query(spec, ws, path="scan")
        assert auto.to_dict() == scan.to_dict(), (name, spec)
        paths.append(dict(auto.plan)["path"])
    # the planner did answer from the rollups (else the comparison proves nothing)
    assert paths.count("rollup") == len(paths), (name, paths)
