"""``applens explain``: which slice (dimension value or pair of values) moved a metric."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from applens import formatting
from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, console, emit, err_console
from applens.cli._registry import COMMANDS

_ROWS = 10  # the table shows the top slices; json and csv carry them all


def _moment(text: str, option: str) -> tuple[dt.datetime, bool]:
    """``YYYY-MM-DD`` (a day) or ``YYYY-MM-DDTHH[:MM]`` (an hour) → (start, is_hour)."""
    try:
        if len(text) <= 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time()), False
        return dt.datetime.fromisoformat(text.replace(" ", "T")), True
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD, or YYYY-MM-DDTHH for an hour",
                                 param_hint=option) from None


def explain(
    metric: Annotated[str, typer.Argument(
        help="dau, events, count:EVENT (e.g. count:view) or ratio:EVENT/EVENT "
             "(e.g. ratio:like/view).")],
    date: Annotated[str, typer.Option(
        "--date", help="The day (YYYY-MM-DD) or hour (YYYY-MM-DDTHH) to explain, in UTC.")],
    vs: Annotated[str | None, typer.Option(
        "--vs", help="The baseline day or hour (default: 7 days before --date).")] = None,
    vs_mean: Annotated[int | None, typer.Option(
        "--vs-mean", min=1, help="Baseline: the mean of the same period over the N previous "
        "days (instead of --vs).")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Comma-separated dimensions: event columns, or person.KEY for a users "
        "column (default: os, app_version, source, country where present).")] = None,
    hours: Annotated[int, typer.Option(
        "--hours", min=1, help="With an hour --date: how many hours the period spans.")] = 1,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rank the slices (single dimensions and pairs) by how much of a metric's change each
    explains against a baseline, and say when no slice explains it (a global change).

    Example: applens explain dau --date 2026-11-21 --vs-mean 7 --by os,app_version -w applens-demo
    """
    if vs is not None and vs_mean is not None:
        raise typer.BadParameter("give either --vs or --vs-mean", param_hint="--vs-mean")
    start, is_hour = _moment(date, "--date")
    baseline = _moment(vs, "--vs")[0] if vs else None
    dims = [d.strip() for d in by.split(",") if d.strip()] if by else []
    from applens.insights.explain import explain as explain_change  # lazy: no ibis at start

    with open_workspace(workspace) as ws:
        with err_console.status("Explaining the change"):
            result = explain_change(ws, metric, start, vs=baseline, vs_mean=vs_mean, by=dims,
                                    grain="hour" if is_hour else "day",
                                    length=hours if is_hour else 1)
    if fmt is not OutputFormat.table:
        emit(result, fmt)
        return
    console.print(f"{result.headline()} Baseline: {result.baseline}.")
    rows = [{"slice": s["slice"], "baseline": formatting.number(s["baseline"]),
             "value": formatting.number(s["value"]),
             "change": formatting.percent(s["change_pct"], signed=True),
             "of the change": formatting.percent(s["contribution"]),
             "share": f"{formatting.percent(s['baseline_share'])} → "
                      f"{formatting.percent(s['share'])}",
             "surprise": formatting.number(s["surprise"])}
            for s in result.slices[:_ROWS]]
    emit(rows, fmt)
    for line in result.notes:
        console.print(line)


@COMMANDS.register("explain")
def register(app: typer.Typer) -> None:
    app.command("explain")(explain)
