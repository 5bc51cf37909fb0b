"""One default funnel (issue 17 item 9): the dashboard and the report show the same steps,
in the same order, over the same days, with the same counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from applens.ingest import ingest
from applens.report import build_report, default_period
from applens.web.pages import parse_filters
from applens.web.pages.funnels import funnels


def test_dashboard_and_report_show_the_same_default_funnel(workspace, tmp_path):
    rng = np.random.default_rng(4)
    rows = []
    for i in range(300):
        t = pd.Timestamp("2026-09-20") + pd.Timedelta(seconds=int(rng.integers(0, 35 * 86400)))
        # app_open -> view -> like -> message; fewer users reach each later step, and
        # "message" is done by more users than "like" but later in the path; crashes are
        # common but never a step.
        path = ["app_open", "view"] + (["like"] if rng.random() < 0.4 else []) + (
            ["message"] if rng.random() < 0.6 else []) + (
            ["crash"] if rng.random() < 0.9 else [])
        for k, event in enumerate(path):
            rows.append((f"u{i}", (t + pd.Timedelta(minutes=5 * k)).isoformat(), event))
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["user_id", "ts", "event"]).to_csv(path, index=False)
    ingest(workspace, path)

    page = funnels(workspace, parse_filters(workspace, {}))
    dash = page.panels[0].frame
    report = build_report(workspace, sections=["funnels"]).section("funnels")
    filters = parse_filters(workspace, {})
    assert (filters.date_from, filters.date_to) == (
        default_period(workspace).start, default_period(workspace).end)
    assert report.data["steps"] == list(dash["event"]) == ["app_open", "view", "like",
                                                           "message"]
    assert report.data["funnel"]["step_counts"] == list(dash["step_count"])
