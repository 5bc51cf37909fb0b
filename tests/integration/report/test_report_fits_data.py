"""The report fits the data it has (issue 20 item 6): a short log gets a short window, and
a weekday that is regularly empty (a shop closed on Saturdays) is a weekly pattern."""

from __future__ import annotations

import pandas as pd
import pytest

from applens.ingest import ingest
from applens.report import build_report, default_period
from tests.conftest import SHARED_DATA


def test_a_four_day_log_gets_a_four_day_report(workspace):
    log = SHARED_DATA / "apache_access_logs" / "apache_logs"
    ingest(workspace, log, preset="combined-log")
    first, last = workspace.connection.execute(
        "SELECT min(ts)::DATE, max(ts)::DATE FROM events").fetchall()[0]
    period = default_period(workspace)
    assert (period.start, period.end) == (first, last) and period.days <= 5
    report = build_report(workspace, sections=["lifecycle", "quality", "retention"])
    lifecycle = report.section("lifecycle")
    assert lifecycle is not None and not any("0 users came" in f for f in lifecycle.findings)
    assert not report.section("quality").data["missing_days"]
    # 7-day retention cannot be computed on 4 days: skipped, with the reason
    assert report.section("retention") is None
    assert f"has only {period.days} day(s)" in report.skipped["retention"]


@pytest.fixture
def retail(workspace, tmp_path):
    raw = pd.read_parquet(
        SHARED_DATA / "online_retail" / "online_retail_2010_2011_no_invoice.parquet")
    raw = raw[(raw.Quantity > 0) & raw.CustomerID.notna()
              & (raw.InvoiceDate >= "2011-09-01") & (raw.InvoiceDate < "2011-11-01")]
    path = tmp_path / "orders.csv"
    pd.DataFrame({"ts": raw.InvoiceDate.dt.strftime("%Y-%m-%dT%H:%M:%S"),
                  "user_id": raw.CustomerID.astype(int).astype(str),
                  "event": "purchase"}).to_csv(path, index=False)
    ingest(workspace, path)
    return workspace, raw


def test_closed_saturdays_are_a_weekly_pattern_not_missing_data(retail):
    ws, raw = retail
    assert not (raw.InvoiceDate.dt.day_of_week == 5).any()  # the shop sells nothing on Saturdays
    report = build_report(ws, sections=["quality"])
    quality = report.section("quality")
    assert quality.data["closed_weekdays"] == ["Saturday"]
    assert quality.data["missing_days"] == []
    assert any("Saturdays" in f and "weekly pattern" in f for f in quality.findings)
    assert not any("Check the ingestion" in r for r in quality.recommendations)


def test_a_funnel_on_one_kind_of_event_is_skipped_with_its_reason(retail):
    ws, _ = retail
    report = build_report(ws, sections=["funnels"])
    assert report.section("funnels") is None
    assert "A funnel needs two kinds of events" in report.skipped["funnels"]
    assert "only 'purchase'" in report.skipped["funnels"]


def test_a_weekday_lost_once_is_still_missing_data(retail):
    ws, _ = retail
    ws.connection.execute("DELETE FROM events WHERE CAST(ts AS DATE) = DATE '2011-10-18'")
    quality = build_report(ws, sections=["quality"]).section("quality")
    assert "2011-10-18" in quality.data["missing_days"]
    assert quality.data["closed_weekdays"] == ["Saturday"]


def test_the_partial_last_day_of_the_data_is_not_a_data_quality_problem(workspace, tmp_path):
    raw = pd.read_parquet(
        SHARED_DATA / "online_retail" / "online_retail_2010_2011_no_invoice.parquet")
    raw = raw[(raw.Quantity > 0) & raw.CustomerID.notna() & (raw.InvoiceDate >= "2011-11-01")]
    last = raw.InvoiceDate.max()
    assert (last.date().isoformat(), last.hour < 13) == ("2011-12-09", True)  # ends mid-day
    path = tmp_path / "orders.csv"
    pd.DataFrame({"ts": raw.InvoiceDate.dt.strftime("%Y-%m-%dT%H:%M:%S"),
                  "user_id": raw.CustomerID.astype(int).astype(str),
                  "event": "purchase"}).to_csv(path, index=False)
    ingest(workspace, path)
    quality = build_report(workspace, sections=["quality"]).section("quality")
    daily = quality.data["rows_per_day"]
    median = pd.Series(daily).median()
    assert daily["2011-12-09"] < 0.5 * median  # thin indeed, but the file simply ends there
    assert not any("2011-12-09" in f and "Under half" in f for f in quality.findings)
    assert not any("Check the ingestion" in r for r in quality.recommendations)
    assert any("2011-12-09" in f and "partial day at the end of the data" in f
               for f in quality.findings), quality.findings
    # a thin day inside the data is still one
    workspace.connection.execute(
        "DELETE FROM events WHERE CAST(ts AS DATE) = DATE '2011-11-15' AND hour(ts) >= 10")
    quality = build_report(workspace, sections=["quality"]).section("quality")
    assert any("Under half" in f and "2011-11-15" in f and "2011-12-09" not in f
               for f in quality.findings), quality.findings


def test_ab_arms_are_not_a_funnel(workspace):
    # Udacity: each user lands on old_page or new_page (the arms), hardly ever both
    ingest(workspace, SHARED_DATA / "udacity_ab_data" / "ab_data.csv.gz",
                     mapping={"ts": "timestamp", "event": "landing_page"})
    report = build_report(workspace, sections=["funnels"])
    assert report.section("funnels") is None
    assert "funnel" in report.skipped["funnels"].lower()
    assert not any("go on to" in text for _, text in report.recommendations)
