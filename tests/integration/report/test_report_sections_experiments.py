"""The experiments section reads out each [experiments.NAME] and is absent without them."""

import datetime as dt

from applens.ingest import ingest
from applens.report import Period, build_report
from applens.report._registry import section_names
from tests.integration.experiments.test_experiments_declared import make_workspace

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_experiments_section_has_a_chart_and_finding_per_experiment(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    try:
        section = build_report(ws, PERIOD, sections=["experiments"]).section("experiments")
        names = sorted(ws.settings.experiments)
        assert [c.name for c in section.charts] == [n.replace("_", "-") for n in names]
        feed = next(f for f in section.findings if f.startswith("feed:"))
        assert "ctr +100.0%" in feed  # 0.25 -> 0.5, as checked by hand in the experiments tests
        assert section.figures[0].text == f"{len(names)} of {len(names)}"
    finally:
        ws.close()


def test_sections_without_their_data_are_absent(workspace, tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("ts,user_id,event\n2026-10-20 10:00:00,u1,open\n")
    ingest(workspace, csv)
    assert {"experiments", "churn", "personas", "crash-risk", "anomalies"} <= set(section_names())
    report = build_report(workspace, Period(dt.date(2026, 10, 20), dt.date(2026, 10, 20)),
                          sections=["experiments", "churn", "personas", "crash-risk",
                                    "anomalies"])
    assert report.sections == []
