"""The Support report section: figures, charts, the release finding, escaped ticket text."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import invoke_cli

HOSTILE = '<script>alert("x")</script> приложение падает'


def cli(*args: object) -> str:
    result = invoke_cli(*args)
    assert result.exit_code == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout


def support_workspace(tmp_path: Path, tickets: list[list[str]]) -> Path:
    """A workspace with 60 people opening the app on 2026-10-01 (u0-u29 on 2.0, u30-u59 on
    2.1) and the given ticket rows (ticket_id, user_id, ts, text, negativity, type)."""
    ws = tmp_path / "ws"
    cli("init", ws)
    files = {"events": tmp_path / "events.csv", "tickets": tmp_path / "tickets.csv"}
    opens = [["2026-10-01 08:00:00", f"u{u}", "open", "2.0" if u < 30 else "2.1"]
             for u in range(60)]
    for path, header, rows in (
            (files["events"], ["ts", "user_id", "event", "app_version"], opens),
            (files["tickets"], ["ticket_id", "user_id", "ts", "text", "negativity", "type"],
             tickets)):
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
    cli("ingest", files["events"], "-w", ws)
    cli("ingest", files["tickets"], "--table", "tickets", "-w", ws)
    return ws


def test_support_section_in_the_html_report(tmp_path: Path) -> None:
    tickets = []
    for i in range(120):
        u = i % 60
        bad = u >= 30 and i % 3 != 0 or u < 30 and i % 10 == 0  # 2.1: 2/3 negative
        tickets.append([f"T{i}", f"u{u}", f"2026-10-{2 + i % 20:02d} 12:00:00",
                        HOSTILE if i == 119 else f"ticket {i}",
                        "negative" if bad or i == 119 else "neutral", "bug"])
    ws = support_workspace(tmp_path, tickets)
    cli("report", "-w", ws, "--from", "2026-10-01", "--to", "2026-10-31", "--out",
        tmp_path / "rep")
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Support" in html and "Negative share by app version" in html
    assert "Version 2.1:" in html  # the jump is a finding
    assert "&lt;script&gt;alert" in html and '<script>alert("x")' not in html


def test_the_version_table_covers_the_report_period_only(tmp_path: Path) -> None:
    # 2.1's complaints are all in October; in November both versions are steady.
    import datetime as dt

    from applens.text.summary import support_summary
    from applens.workspace import Workspace

    tickets = []
    for i in range(240):
        u, october = i % 60, i < 120
        bad = (october and u >= 30 and i % 3 != 0) or i % 10 == 0
        tickets.append([f"T{i}", f"u{u}", f"2026-{10 if october else 11}-"
                        f"{2 + i % 20:02d} 12:00:00", f"ticket {i}",
                        "negative" if bad else "neutral", "bug"])
    ws_path = support_workspace(tmp_path, tickets)
    with Workspace(ws_path) as ws:
        october = support_summary(ws, dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 1))
        november = support_summary(ws, dt.datetime(2026, 11, 1), dt.datetime(2026, 12, 1))
    assert october is not None and november is not None
    assert october.by_version.set_index("app_version")["jump"].to_dict() == {
        "2.0": False, "2.1": True}
    assert not november.by_version["jump"].any()
    assert november.by_version["tickets"].sum() == november.tickets == 120
