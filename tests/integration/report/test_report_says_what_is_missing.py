"""Every registered section renders or is listed as skipped with its one-line reason (issue 20
item 6): in report.json, report.html and the console summary. A workspace with users but no
events skips the event sections with "no events" and takes its period from what it has."""

from __future__ import annotations

import json

from rich.console import Console

from applens.ingest import ingest
from applens.report import build_report, write_report
from applens.report._registry import section_names
from applens.report.console import print_summary
from tests.conftest import SHARED_DATA
from tests.support.numbers import visible_text


def _accounted(report) -> None:
    shown = [s.key for s in report.sections]
    assert sorted(shown + list(report.skipped)) == sorted(section_names())
    assert not set(shown) & set(report.skipped)
    for key, reason in report.skipped.items():
        assert reason.strip() and "\n" not in reason and len(reason) > 20, (key, reason)


def _everywhere(workspace, report, tmp_path) -> str:
    files = write_report(workspace, report, tmp_path / "out", png=False)
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["skipped"] == report.skipped
    html = visible_text(files.html.read_text(encoding="utf-8"))
    console = Console(width=400, record=True)
    print_summary(report, console)
    said = " ".join(console.export_text().split())
    assert "Not shown" in said
    for key, reason in report.skipped.items():
        assert f"{key}: {reason}" in html, key
        assert f"{key} {' '.join(reason.split())}" in said, key
    return said


def test_every_section_on_a_four_day_log_renders_or_says_why_not(workspace, tmp_path):
    ingest(workspace, SHARED_DATA / "apache_access_logs" / "apache_logs", preset="combined-log")
    report = build_report(workspace)
    _accounted(report)
    for key in ("retention", "funnels", "experiments", "health", "churn", "anomalies"):
        assert key in report.skipped, key
    assert "experiment" in report.skipped["experiments"]
    assert "applens train" in report.skipped["churn"]
    _everywhere(workspace, report, tmp_path)


def test_a_users_only_workspace_skips_event_sections_with_no_events(workspace, tmp_path):
    ingest(workspace, SHARED_DATA / "cookie_cats" / "cookie_cats.csv", table="users")
    report = build_report(workspace)
    _accounted(report)
    for key in ("activity", "slices", "lifecycle", "retention", "funnels", "bots", "health"):
        assert "no events" in report.skipped[key], key
    # the clock says 2026-11-01; the users arrived today, the data has no dates of its own:
    # the report covers the day the data came, not 28 days of nothing
    today = workspace.now().date()
    assert report.period.start == report.period.end == today
    said = _everywhere(workspace, report, tmp_path)
    assert "the day(s) the data was loaded" in said
    assert "the day(s) the data was loaded" in (tmp_path / "out" / "report.html").read_text()
