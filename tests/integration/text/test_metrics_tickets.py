"""``applens metrics --metric tickets --by app_version``: ticket volume and negative share
per day, each ticket on the version its writer ran at the time (the same numbers as
``applens tickets metrics``, from the same computation)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import invoke_cli


def cli(*args: object) -> str:
    result = invoke_cli(*args)
    assert result.exit_code == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    """Ten users on 2.0 who upgrade to 2.1 on Oct 5; each writes a ticket a day Oct 2-8,
    negative only after the upgrade (and for u0 always)."""
    folder = tmp_path_factory.mktemp("tickets-metrics")
    ws = folder / "ws"
    cli("init", ws)
    events, tickets = folder / "events.csv", folder / "tickets.csv"
    with events.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ts", "user_id", "event", "app_version"])
        for u in range(10):
            writer.writerow(["2026-10-01 08:00:00", f"u{u}", "open", "2.0"])
            writer.writerow(["2026-10-05 06:00:00", f"u{u}", "open", "2.1"])
    with tickets.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket_id", "user_id", "ts", "text", "negativity", "type"])
        for day in range(2, 9):
            for u in range(10):
                negative = day >= 5 or u == 0
                writer.writerow([f"T{day}-{u}", f"u{u}", f"2026-10-{day:02d} 12:00:00",
                                 "text", "negative" if negative else "neutral", "bug"])
    cli("ingest", events, "-w", ws)
    cli("ingest", tickets, "--table", "tickets", "-w", ws)
    return ws


def test_metrics_slices_tickets_by_the_version_at_the_ticket(ws):
    rows = json.loads(cli("metrics", "--metric", "tickets", "--by", "app_version", "--from",
                          "all", "-w", ws, "--format", "json"))
    by_day = {(r["day"][:10], r["app_version"]): r for r in rows}
    assert sorted({v for _, v in by_day}) == ["2.0", "2.1"]
    assert all(v == "2.0" for d, v in by_day if d < "2026-10-05")
    assert all(v == "2.1" for d, v in by_day if d >= "2026-10-05")
    assert by_day[("2026-10-02", "2.0")]["negative_share"] == pytest.approx(0.1)
    assert by_day[("2026-10-06", "2.1")]["negative_share"] == 1.0
    assert sum(r["tickets"] for r in rows) == 70
    same = json.loads(cli("tickets", "metrics", "--by", "app_version", "-w", ws,
                          "--format", "json"))
    assert rows == same  # one computation behind both commands


def test_metrics_tickets_takes_the_date_range(ws):
    rows = json.loads(cli("metrics", "--metric", "tickets", "--from", "2026-10-04", "--to",
                          "2026-10-05", "-w", ws, "--format", "json"))
    assert [(r["day"][:10], r["tickets"], r["negative"]) for r in rows] == [
        ("2026-10-04", 10, 1), ("2026-10-05", 10, 10)]


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--by", "os"], "sliced by app_version; got --by os"),
    (["--interval", "week"], "measured per day"),
    (["--where", "1=1"], "drop --where"),
])
def test_metrics_tickets_says_what_it_cannot_do_in_one_line(ws, extra, fragment):
    result = invoke_cli("metrics", "--metric", "tickets", *extra, "-w", ws)
    assert result.exit_code != 0
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_ticket_tables_show_shares_as_percentages_and_csv_keeps_fractions(ws):
    daily = cli("tickets", "metrics", "-w", ws)
    assert "10.0%" in daily and "100.0%" in daily  # Oct 2 (u0 only) and after the upgrade
    assert "0.1 " not in daily and "0.1\n" not in daily
    ranged = cli("metrics", "--metric", "tickets", "--from", "all", "-w", ws)
    assert "10.0%" in ranged and "100.0%" in ranged
    versions = cli("tickets", "releases", "-w", ws)
    assert "10.0%" in versions  # 2.0's share: 3 of 30 tickets (u0 on Oct 2-4)
    assert "100.0%" in versions
    rows = list(csv.DictReader(cli("tickets", "metrics", "-w", ws, "--format", "csv")
                               .splitlines()))
    assert float(rows[0]["negative_share"]) == pytest.approx(0.1)  # machines read fractions


def test_metrics_tickets_reads_only_the_ranges_tickets(ws, monkeypatch):
    import applens.text.metrics as ticket_metrics

    joined: list[int] = []
    real = ticket_metrics._app_versions
    monkeypatch.setattr(ticket_metrics, "_app_versions",
                        lambda w, tickets: joined.append(len(tickets)) or real(w, tickets))
    rows = json.loads(cli("metrics", "--metric", "tickets", "--from", "2026-10-04", "--to",
                          "2026-10-05", "-w", ws, "--format", "json"))
    assert sum(r["tickets"] for r in rows) == 20
    assert joined == [20]  # two days' tickets labelled and joined to events, not all 70


def test_a_ranged_computation_equals_the_whole_one_cut_to_the_range(ws):
    from datetime import datetime

    from applens.text.metrics import daily_ticket_metrics
    from applens.workspace import Workspace

    with Workspace(ws) as workspace:
        whole = daily_ticket_metrics(workspace, by="app_version")
        ranged = daily_ticket_metrics(workspace, by="app_version",
                                      since=datetime(2026, 10, 4), until=datetime(2026, 10, 6))
        empty = daily_ticket_metrics(workspace, since=datetime(2027, 1, 1))
    cut = whole[(whole["day"] >= "2026-10-04") & (whole["day"] < "2026-10-06")]
    pd.testing.assert_frame_equal(ranged.reset_index(drop=True), cut.reset_index(drop=True))
    assert empty.empty and list(empty.columns) == list(whole.drop(columns="app_version").columns)
