"""Experiments page: readouts of declared experiments and of saved readout files."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from applens.charts.experiment import effect_chart
from applens.web.pages._base import (
    Empty,
    Filters,
    PageData,
    Panel,
    Table,
    chart_spec_of,
    optional_module,
    page,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["experiments"]


def _saved_readouts(ws: Workspace) -> dict[str, Any]:
    """Experiment readouts saved as JSON in the workspace's outputs folder."""
    found: dict[str, Any] = {}
    folder = ws.path / "outputs"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        readouts = (data.get("data") or {}).get("readouts") if isinstance(data, dict) else None
        if isinstance(readouts, dict):
            for name, readout in readouts.items():
                if isinstance(readout, dict) and readout.get("metrics"):
                    found[f"{path.stem}:{name}"] = readout
    return found


def _declared_readouts(ws: Workspace, page: PageData) -> dict[str, Any]:
    """Readouts of the experiments declared in applens.toml ([experiments.NAME])."""
    declared = optional_module("applens.experiments.declared")
    if declared is None or not getattr(ws.settings, "experiments", None):
        return {}
    from applens.errors import ApplensError

    found: dict[str, Any] = {}
    for row in declared.list_experiments(ws):
        try:
            found[row["name"]] = declared.analyze_experiment(ws, row["name"]).to_dict()
        except ApplensError as exc:
            page.empty.append(Empty(f"Experiment {row['name']}: no readout", str(exc),
                                    f"applens ab analyze --experiment {row['name']}"))
    return found


@page("experiments", "Experiments", order=50)
def experiments(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    readouts = {**_declared_readouts(ws, page), **_saved_readouts(ws)}
    if not readouts:
        page.empty.append(Empty(
            "No experiment readouts yet",
            "Experiments declared in applens.toml ([experiments.NAME]) and readouts saved in "
            "the workspace's outputs/ folder appear here.",
            "applens ab analyze --experiment NAME"))
        return page
    rows = []
    for name, readout in readouts.items():
        for metric in readout["metrics"]:
            rows.append({"readout": name, "metric": metric.get("metric"),
                         "control": metric.get("control"), "treatment": metric.get("treatment"),
                         "difference": metric.get("difference"), "ci_low": metric.get("ci_low"),
                         "ci_high": metric.get("ci_high"), "lift": metric.get("lift"),
                         "lift_ci_low": metric.get("lift_ci_low"),
                         "lift_ci_high": metric.get("lift_ci_high"),
                         "p_value": metric.get("p_value"),
                         "p_adjusted": metric.get("p_adjusted", metric.get("p_value")),
                         "alpha": readout.get("alpha", 0.05),
                         "srm_ok": (readout.get("srm") or {}).get("ok")})
    frame = pd.DataFrame(rows)
    effects = pd.DataFrame({
        "metric": frame["readout"] + " · " + frame["metric"].astype(str) + " ("
        + frame["treatment"].astype(str) + " vs " + frame["control"].astype(str) + ")",
        "lift": frame["lift"], "low": frame["lift_ci_low"], "high": frame["lift_ci_high"],
        "significant": frame["p_adjusted"].astype(float) < frame["alpha"].astype(float)})
    page.panels.append(Panel("effects", "Experiment effects: relative lift with confidence "
                             "intervals", frame, chart_spec_of(effect_chart, effects)))
    page.tables.append(Table("readouts", "Readouts", frame))
    return page
