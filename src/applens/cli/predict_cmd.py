"""``applens predict``: score with the saved models and store the scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, console, emit, warn
from applens.cli._registry import COMMANDS


@COMMANDS.register("predict")
def register(app: typer.Typer) -> None:
    app.command("predict")(predict_cmd)


def predict_cmd(
    names: Annotated[list[str] | None, typer.Argument(
        help="Models to score with (same as --models), e.g. tickets-type.", show_default=False,
    )] = None,
    models: Annotated[str | None, typer.Option(
        "--models", "-m", help="Comma-separated models (default: every trained one).",
    )] = None,
    date: Annotated[str | None, typer.Option(
        help="Score as of this date, YYYY-MM-DD (default: the day after the last event).",
    )] = None,
    out: Annotated[Path | None, typer.Option(
        help="Also write all scores to this CSV (entity_type, entity_id, score, rank, label, "
             "reasons, model).",
    )] = None,
    top: Annotated[int, typer.Option(min=0, help="Rows printed per model.")] = 10,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="Ticket models: score this file (CSV/JSON/Parquet with a text column) "
        "instead of the workspace's tickets; nothing is written to the workspace.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="With --input: write the file back with <model>_label and "
        "<model>_probability columns added.")] = None,
    threshold: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="tickets-type: label a ticket 'other' when the type's "
        "probability is below this.")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Score users and sessions; scores go to the warehouse table scores_<model>.

    Example:

        applens predict --models churn --date 2026-11-22 --out churn.csv
    """
    from applens.models import predict

    if names:
        models = ",".join([*names, *([models] if models else [])])
    ws = open_workspace(workspace)
    if input_file is not None or output is not None:
        from applens.cli._tickets_file import score_file

        score_file(ws, models, input_file, output, threshold, fmt, top)
        return
    results = predict(ws, models, date=date, out=out, threshold=threshold)
    if not results:
        warn(f"No trained models in {ws.path}, so nothing was scored. 'applens train' "
             "trains the models the data supports.")
    if fmt is OutputFormat.json:
        emit({n: s.head(top).to_dict(orient="records") for n, s in results.items()}, fmt)
        return
    for name, scores in results.items():
        emit(scores.head(top), fmt, title=f"{name}: top {min(top, len(scores))} of {len(scores)}")
    if out is not None and fmt is OutputFormat.table:
        console.print(f"Wrote {sum(len(s) for s in results.values()):,} scores to {out}")
