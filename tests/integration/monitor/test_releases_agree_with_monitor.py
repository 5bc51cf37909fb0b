"""`applens tickets releases` and the tickets monitor judge app versions with one test
(Fisher's exact test, Bonferroni over the versions): on a planted complaint jump both name
the buggy version and nothing else; on a steady workspace neither names any."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from applens.text.metrics import release_jumps
from tests.integration.monitor.test_monitor_tickets import (
    SHORT_DAYS,
    START,
    _load,
    short_month,
)

COMPLAINTS = {"complaints": {"tickets": "negative_share", "dimensions": ["app_version"],
                             "direction": "spike"}}


def _monitor_alerted(ws) -> set[str]:
    from applens.monitor import alert_history, run_once

    for day in range(1, SHORT_DAYS + 1):
        run_once(ws, now=START + timedelta(days=day, minutes=5), monitors=COMPLAINTS,
                 sleep=lambda s: None)
    return {s.removeprefix("app_version=") for s in alert_history(ws)["series"]}


@pytest.mark.parametrize(("buggy", "seed"), [(True, 8), (True, 11), (False, 8), (False, 9)])
def test_the_releases_table_and_the_monitor_name_the_same_versions(bench, run_cli, buggy, seed):
    b = bench()
    _load(b, *short_month(buggy=buggy, seed=seed))
    table = release_jumps(b.ws)
    assert len(table) == 3  # every version has enough tickets to be compared
    jumped = set(table.loc[table["jump"], "app_version"])
    assert jumped == _monitor_alerted(b.ws) == ({"5.0.0"} if buggy else set())
    # The split is over the versions compared, as the monitor splits over its series.
    assert table["threshold"].tolist() == [0.01 / 3] * 3
    b.ws.close()
    shown = run_cli("tickets", "releases", "-w", b.folder, "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    rows = json.loads(shown.stdout)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert {r["app_version"] for r in rows if r["jump"]} == jumped


def test_a_version_with_few_tickets_is_not_compared(bench):
    b = bench()
    events, tickets = short_month(buggy=True)
    _load(b, events, tickets[~((tickets["user_id"].str[1:].astype(int) % 3 == 2)
                              & (tickets.index % 10 != 0))])  # 5.0.0 keeps a tenth
    table = release_jumps(b.ws, min_tickets=40)
    assert "5.0.0" not in set(table["app_version"]) and not table["jump"].any()
