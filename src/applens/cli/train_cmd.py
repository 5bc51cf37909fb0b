"""``applens train``: fit, validate and save the ML models of a workspace."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, console, emit
from applens.cli._registry import COMMANDS
from applens.cli._tickets_view import show_ticket_model

MAIN_METRICS = ("roc_auc", "pr_auc", "f1", "precision", "recall", "brier", "silhouette", "k",
                "macro_f1", "accuracy")


MODELS_HELP = "Comma-separated models (default: all): {names}."


class ModelsHelp(TyperCommand):
    """Help that names every registered model, read from the registry only when shown."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from applens.models import MODELS

        for param in self.params:
            if param.name == "models":
                param.help = MODELS_HELP.format(names=", ".join(MODELS))  # type: ignore[attr-defined]
        super().format_help(ctx, formatter)


@COMMANDS.register("train")
def register(app: typer.Typer) -> None:
    app.command("train", cls=ModelsHelp)(train_cmd)


def train_cmd(
    names: Annotated[list[str] | None, typer.Argument(
        help="Models to train (same as --models), e.g. tickets-type.", show_default=False,
    )] = None,
    models: Annotated[str | None, typer.Option(
        "--models", "-m", help=MODELS_HELP.format(names="every registered model"),
    )] = None,
    cutoff: Annotated[str | None, typer.Option(
        help="Last labelled cutoff, YYYY-MM-DD (default: as late as the data allows).",
    )] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Train each model, compare candidates on a later time slice, save the best.

    Options per model come from applens.toml (one models.NAME table per model).

    Example:

        applens train --models churn,crash --cutoff 2026-11-08 --format json
    """
    from applens.models import train

    if names:
        models = ",".join([*names, *([models] if models else [])])
    ws = open_workspace(workspace)
    with console.status("Training…") if fmt is OutputFormat.table else _nothing():
        reports = train(ws, models, cutoff=cutoff)
    if fmt is OutputFormat.json:
        emit({n: r.metrics if r.version else {"skipped": r.metadata["skipped"]}
              for n, r in reports.items()}, fmt)
        return
    rows = []
    for name, report in reports.items():
        row = {"model": name, "version": report.version, "kept": report.estimator}
        row.update({m: report.metrics[m] for m in MAIN_METRICS if m in report.metrics})
        rows.append(row)
    emit(rows, fmt, title="Validation metrics (later time slice than training)")
    if fmt is not OutputFormat.table:
        return
    compared = [{"model": name, "candidate": cand, **scores}
                for name, report in reports.items()
                for cand, scores in report.metadata.get("comparison", {}).items()]
    if compared:
        emit(compared, fmt, title="Candidates compared")
    for name, report in reports.items():
        if report.estimator == "skipped":
            console.print(f"{name}: skipped. {report.metadata['skipped']}", markup=False,
                          soft_wrap=True)
        for kind, count in report.warnings.items():
            console.print(f"{name}: {count}× {kind}", markup=False, soft_wrap=True)
        if report.version and str(report.metadata.get("kind", "")).startswith("tickets-"):
            show_ticket_model(ws, name, report.version, report.metadata, fmt)
        top = report.metadata.get("top_features") or []
        if top:
            console.print(f"{name}: top features " + ", ".join(f["feature"] for f in top[:5]))
        for persona in report.metadata.get("personas", []):
            console.print(f"{name}: {persona['description']} ({persona['size']} users, "
                          f"{persona['share']:.0%})")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
