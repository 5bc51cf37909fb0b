"""Experiments: a readout of each ``[experiments.NAME]`` declared in applens.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.charts.experiment import effect_chart
from applens.errors import ApplensError, InsufficientDataError
from applens.formatting import lift, p_value
from applens.report._model import Figure, NamedChart, Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import optional, require_events

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace


@register("experiments", order=60)
def experiments(ws: Workspace, period: Period) -> Section | None:
    analyze = optional("applens.experiments", "analyze_experiment")
    names = sorted(ws.settings.experiments)
    if analyze is None or not names:
        raise InsufficientDataError(
            "No experiment is declared in applens.toml; add an [experiments.NAME] table to "
            "have its readout here.")
    require_events(ws)
    section = Section("experiments", "Experiments", summary=(
        "Each experiment declared in applens.toml over its own dates (not the report "
        "period): relative lift of every metric against control with its confidence "
        "interval; p-values are corrected for the number of comparisons."))
    read = 0
    for name in names:
        try:
            readout = analyze(ws, name)
        except ApplensError as exc:
            section.findings.append(f"{name}: could not be read out: {exc}")
            continue
        read += 1
        srm_p = getattr(readout.srm, "p_value", None)
        if srm_p is not None and srm_p < 0.001:
            section.recommendations.append(
                f"{name}: sample ratio mismatch (p={p_value(srm_p)}); fix the assignment before "
                "trusting its results.")
        primaries = [m for m in readout.metrics if getattr(m, "role", "metric") == "metric"]
        winners = [m for m in primaries if m.p_adjusted < readout.alpha]
        parts = [f"{m.metric} {lift(m.lift)} ({m.treatment}, p={p_value(m.p_adjusted)})"
                 for m in primaries]
        section.findings.append(
            f"{name}: " + ("; ".join(parts) if parts else "no primary metrics") + ". "
            + (f"Significant: {', '.join(sorted({m.metric for m in winners}))}."
               if winners else "No significant effect at "
               f"alpha {readout.alpha:g}."))
        section.charts.append(NamedChart(name.replace("_", "-"), f"Experiment {name}",
                                         effect_chart(readout, title=f"Experiment {name}")))
        frame = readout.to_frame()
        keep = [c for c in ("metric", "treatment", "control_mean", "treatment_mean", "lift",
                            "p_adjusted", "decision") if c in frame.columns]
        section.tables.append(TableBlock(f"Experiment {name}", frame[keep]))
        section.data[name] = readout.to_dict()
    section.figures.append(Figure("experiments read out", read, f"{read} of {len(names)}"))
    return section
