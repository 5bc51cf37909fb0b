"""Report sections for trained models: churn risk, personas, crash risk, model-flagged bots."""

import datetime as dt

from applens.models import latest_scores, predict
from applens.report import Period, build_report

PERIOD = Period(dt.date(2026, 10, 25), dt.date(2026, 11, 21))


def test_model_sections_match_the_latest_scores(ws):
    predict(ws)
    report = build_report(ws, PERIOD, sections=["churn", "personas", "crash-risk", "bots"])
    keys = [s.key for s in report.sections]
    churn_scores = latest_scores(ws, "churn")
    if not churn_scores.empty:
        churn = report.section("churn")
        assert churn.data["scored"] == len(churn_scores)
        assert churn.data["at_risk"] == int((churn_scores["score"] >= 0.5).sum())
    personas = latest_scores(ws, "personas")
    if not personas.empty:
        assert sum(report.section("personas").data["sizes"].values()) == len(personas)
    assert "churn" in keys or "personas" in keys
    assert "trained bot model" in report.section("bots").summary or not len(
        latest_scores(ws, "bots"))
