"""Predictive models, when trained: churn risk, personas and sessions likely to crash
(``applens train`` / ``applens predict``); without its scores a section is skipped, saying
which command gives them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.breakdown import breakdown_chart
from applens.charts.risk import risk_histogram
from applens.errors import InsufficientDataError
from applens.formatting import number
from applens.report._model import Figure, NamedChart, Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import fmt_int, fmt_pct, optional

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

THRESHOLD = 0.5


def _scores(ws: Workspace, model: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """The latest scores and validation metrics of ``model``; the skip reason without them."""
    metrics, latest = optional("applens.models", "model_metrics"), optional(
        "applens.models", "latest_scores")
    trained = metrics(ws) if metrics is not None and latest is not None else {}
    if model not in trained:
        raise InsufficientDataError(
            f"No trained {model} model: run 'applens train' (it says why when the data "
            f"cannot support the model), then 'applens predict'.")
    scores = latest(ws, model)
    if scores is None or scores.empty:
        raise InsufficientDataError(
            f"The {model} model has not scored anyone yet: run 'applens predict'.")
    return scores, trained[model]


def _validation(section: Section, metrics: dict[str, float]) -> None:
    shown = ", ".join(f"{k} {number(v)}" for k, v in sorted(metrics.items())[:4])
    if shown:
        section.findings.append(f"Validation of the saved model: {shown}.")


def _top(scores: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    keep = [c for c in ("entity_id", "score", "label", "reasons") if c in scores.columns]
    return scores.sort_values("score", ascending=False)[keep].head(n)


@register("churn", order=100)
def churn(ws: Workspace, period: Period) -> Section | None:
    scores, metrics = _scores(ws, "churn")
    at_risk = int((scores["score"] >= THRESHOLD).sum())
    share = at_risk / len(scores)
    section = Section("churn", "Churn risk", summary=(
        "Predicted probability that each active user stops using the app within the model's "
        "horizon, from the latest 'applens predict' run."))
    section.figures = [Figure("users scored", len(scores), fmt_int(len(scores))),
                       Figure("at risk", at_risk, fmt_int(at_risk)),
                       Figure("share at risk", share, fmt_pct(share))]
    section.findings.append(
        f"{at_risk:,} of {len(scores):,} users ({fmt_pct(share)}) have a churn risk of "
        f"{THRESHOLD:.0%} or more.")
    _validation(section, metrics)
    if at_risk:
        section.recommendations.append(
            f"Reach the {at_risk:,} at-risk users (the table lists the riskiest with why) "
            "before they leave: re-engagement messages or an offer.")
    section.charts = [NamedChart("risk", "Churn risk", risk_histogram(
        scores, threshold=THRESHOLD, title="Churn risk"))]
    section.tables.append(TableBlock("Users most at risk", _top(scores)))
    section.data = {"scored": len(scores), "at_risk": at_risk, "metrics": metrics}
    return section


@register("personas", order=105)
def personas(ws: Workspace, period: Period) -> Section | None:
    scores, metrics = _scores(ws, "personas")
    if "label" not in scores.columns:
        raise InsufficientDataError("The personas model's scores have no persona labels.")
    sizes = scores["label"].astype(str).value_counts()
    frame = pd.DataFrame({"breakdown": sizes.index, "users": sizes.to_numpy()})
    section = Section("personas", "Personas", summary=(
        "Users grouped by how they use the app (clusters of behaviour features), from the "
        "latest 'applens predict' run."))
    section.figures = [Figure("personas", len(sizes), str(len(sizes))),
                       Figure("users", len(scores), fmt_int(len(scores)))]
    section.findings.append("Persona sizes: " + "; ".join(
        f"{name} {count:,} ({count / len(scores):.0%})" for name, count in sizes.items()) + ".")
    _validation(section, metrics)
    section.charts = [NamedChart("sizes", "Users per persona", breakdown_chart(
        frame, metric="users", title="Users per persona", slice_title="persona"))]
    section.tables.append(TableBlock("Personas", frame.rename(columns={"breakdown": "persona"})))
    section.data = {"sizes": sizes.to_dict(), "metrics": metrics}
    return section


@register("crash-risk", order=85)
def crash_risk(ws: Workspace, period: Period) -> Section | None:
    scores, metrics = _scores(ws, "crash")
    risky = int((scores["score"] >= THRESHOLD).sum())
    section = Section("crash-risk", "Crash risk (model)", summary=(
        "Sessions the crash model expects to end in a crash, from the latest 'applens "
        "predict' run, and the groups with the worst measured crash rate."))
    section.figures = [Figure("sessions scored", len(scores), fmt_int(len(scores)))]
    if risky:  # a zero count is not a finding (nor a key figure)
        section.figures.append(Figure("likely to crash", risky, fmt_int(risky)))
        section.findings.append(
            f"{risky:,} of {len(scores):,} scored sessions have a crash risk of "
            f"{THRESHOLD:.0%} or more.")
    else:
        section.summary += f" No scored session has a crash risk of {THRESHOLD:.0%} or more."
    _validation(section, metrics)
    summary = optional("applens.models", "crash_summary")
    if summary is not None:
        try:
            worst = summary(ws, date_from=period.start.isoformat(),
                            date_to=period.end.isoformat())
        except Exception:  # noqa: BLE001 - the summary is extra; the scores stand alone
            worst = pd.DataFrame()
        if not worst.empty:
            top = worst.iloc[0]
            rate = next((top[c] for c in ("crash_rate", "rate") if c in worst.columns), None)
            section.findings.append(
                f"Worst group: {top.iloc[0]}" + (f" ({fmt_pct(float(rate))} of sessions crash)"
                                                 if rate is not None else "") + ".")
            section.tables.append(TableBlock("Crash rate by group, worst first", worst.head(10)))
    section.charts = [NamedChart("risk", "Crash risk", risk_histogram(
        scores, threshold=THRESHOLD, title="Crash risk per session"))]
    section.data = {"scored": len(scores), "likely": risky, "metrics": metrics}
    return section
