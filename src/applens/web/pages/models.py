"""Models page: crash rate by app version and the latest scores of each registered model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.breakdown import breakdown_chart
from applens.charts.crashes import crash_rate_chart
from applens.charts.risk import risk_histogram
from applens.formatting import number
from applens.web.pages._base import (
    Empty,
    Filters,
    PageData,
    Panel,
    Table,
    chart_spec_of,
    event_columns,
    optional_module,
    page,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["models"]


def _crash_panel(ws: Workspace, f: Filters) -> Panel | None:
    mdl = optional_module("applens.models")
    if mdl is not None and hasattr(mdl, "crash_summary"):
        frame = mdl.crash_summary(ws, by=["app_version"], date_from=f.date_from,
                                  date_to=f.date_to, min_sessions=10)
        if not len(frame) or not frame["crashes"].sum():
            return None
        frame = frame.sort_values("app_version", kind="stable").reset_index(drop=True)
        return Panel("crash_rate", "Crash rate by app version (share of sessions, 95% CI)",
                     frame, chart_spec_of(crash_rate_chart, frame))
    if "app_version" not in event_columns(ws):
        return None
    where, params = f.sql_where()
    frame = ws.connection.execute(
        f"SELECT app_version, count(DISTINCT session_id) AS sessions, "
        f"count(DISTINCT session_id) FILTER (WHERE event = 'crash') AS crashes "
        f"FROM events WHERE {where} AND app_version IS NOT NULL GROUP BY 1 ORDER BY 1",
        params).df()
    if not len(frame) or not frame["crashes"].sum():
        return None
    frame["crash_rate"] = (frame["crashes"] / frame["sessions"]).round(4)
    return Panel("crash_rate", "Crash rate by app version (share of sessions)", frame,
                 chart_spec_of(crash_rate_chart, frame))


MODEL_TITLES = {"churn": "Churn risk", "crash": "Crash risk", "bots": "Bots",
                "personas": "Personas"}


@page("models", "Models", order=70, needs_events=True)
def models(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    crash = _crash_panel(ws, f)
    if crash is not None:
        page.panels.append(crash)
    mdl = optional_module("applens.models")
    names = list(getattr(mdl, "MODELS", {}) or MODEL_TITLES) if mdl else list(MODEL_TITLES)
    metrics = mdl.model_metrics(ws) if mdl is not None and hasattr(mdl, "model_metrics") else {}
    for name in names:
        title = MODEL_TITLES.get(name, name.title())
        scores = (mdl.latest_scores(ws, name) if mdl is not None
                  and hasattr(mdl, "latest_scores") else pd.DataFrame())
        if not len(scores):
            page.empty.append(Empty(
                f"{title}: no scores yet", "Scores appear here after the model is trained "
                "and has scored the workspace.",
                f"applens train --models {name} && applens predict --models {name}"))
            continue
        scores = scores.copy()
        if "reasons" in scores.columns:
            scores["reasons"] = scores["reasons"].map(
                lambda r: "; ".join(map(str, r)) if isinstance(r, (list, tuple)) or (
                    hasattr(r, "tolist") and not isinstance(r, str)) else r)
        if name == "personas" and "label" in scores.columns:
            sizes = (scores.groupby("label").size().rename("users").reset_index()
                     .rename(columns={"label": "breakdown"}))
            page.panels.append(Panel(f"{name}_scores", f"{title}: users per persona", sizes,
                                     chart_spec_of(breakdown_chart, sizes, metric="users",
                                           title="Users per persona", slice_title="persona")))
        else:
            page.panels.append(Panel(f"{name}_scores", f"{title}: score distribution", scores,
                                     chart_spec_of(risk_histogram, scores, title=f"{title} score")))
        top = scores.sort_values("rank").head(50).reset_index(drop=True)
        note = ", ".join(f"{k} {number(v)}" for k, v in metrics.get(name, {}).items())
        page.tables.append(Table(f"{name}_top", f"{title}: highest scores", top,
                                 f"Validation: {note}" if note else ""))
    return page
