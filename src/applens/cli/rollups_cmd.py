"""``applens rollups rebuild|verify``: the summaries ingest keeps for fast overview insights."""

from __future__ import annotations

from typing import Annotated

import typer

from applens import formatting
from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit, say
from applens.cli._registry import COMMANDS
from applens.errors import ApplensError

rollups_app = typer.Typer(help="Rollups: exact per-user-day summaries kept at ingest.",
                          no_args_is_help=True)


@rollups_app.command("rebuild")
def rebuild(workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Recompute every rollup from the events (one transaction; also after changing the
    workspace timezone or rollup_properties).

    Example: applens rollups rebuild
    """
    from applens.insights import rollups

    ws = open_workspace(workspace)
    try:
        meta = rollups.rebuild(ws.connection, timezone=ws.settings.timezone,
                               properties=ws.settings.rollup_properties)
        sizes = rollups.storage(ws.connection)
    finally:
        ws.close()
    events = sizes.pop("events", 0)
    kept = sum(sizes.values())
    row = {"timezone": meta.timezone, "properties": ", ".join(meta.properties) or "(none)",
           "events_rows": meta.events_rows, "rollup_bytes": kept, "events_bytes": events}
    if fmt is not OutputFormat.table:
        emit([row], fmt)
        return
    share = formatting.percent(kept / events) if events else "n/a"
    say(f"Rebuilt the rollups of {formatting.count(meta.events_rows)} events "
        f"({meta.timezone} days; slices: {row['properties']}); they take {share} of the "
        "events' storage.")


@rollups_app.command("verify")
def verify(
    sample: Annotated[int, typer.Option("--sample", min=1,
                                        help="How many random days to recompute.")] = 7,
    seed: Annotated[int | None, typer.Option("--seed", help="Pick the same days again.")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Recompute a sample of days from the raw events and compare them with the rollups;
    exits 1 on a difference.

    Example: applens rollups verify --sample 14
    """
    from applens.insights import rollup_verify

    ws = open_workspace(workspace)
    try:
        report = rollup_verify.verify(ws.connection, sample=sample, seed=seed)
    finally:
        ws.close()
    if fmt is not OutputFormat.table:
        emit(report.to_dict(), fmt)
    elif report.ok:
        say(f"The rollups match the events on {len(report.days)} days checked "
            f"({', '.join(d.isoformat() for d in report.days)}).")
    if not report.ok:
        raise ApplensError("The rollups differ from the events: "
                           + "; ".join(report.mismatches)
                           + ". Run 'applens rollups rebuild'.")


@COMMANDS.register("rollups")
def register(app: typer.Typer) -> None:
    app.add_typer(rollups_app, name="rollups")
