"""``applens access``: content-access investigations over an access log and memberships.

One command per question (definitions in ``applens.access`` and the README's "Access
investigations" section); ``applens access demo`` builds a workspace with planted answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, emit, note, say
from applens.cli._registry import COMMANDS

access_app = typer.Typer(
    help="Content-access investigations: top content, quiet members, after-the-end and "
         "cross-program access, scrapers, outlier days.",
    no_args_is_help=True,
)

FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")]
RowsOpt = Annotated[int, typer.Option("--rows", "-n", min=1, help="Rows to show.")]


@COMMANDS.register("access")
def register(app: typer.Typer) -> None:
    app.add_typer(access_app, name="access")


def _run(workspace: Path | None, fmt: OutputFormat, call: Any, title: str,
         extra: tuple[str, ...] = ()) -> None:
    from applens.access import AccessData

    with open_workspace(workspace) as ws:
        answer = call(AccessData.from_workspace(ws), ws)
    if fmt is OutputFormat.json:
        emit(answer.to_dict(), fmt)
        return
    emit(answer.table, fmt, title=title)
    if fmt is OutputFormat.table:
        for name in extra:
            frame = answer.tables.get(name)
            if frame is not None and len(frame):
                emit(frame.head(20), fmt, title=name.replace("_", " ").capitalize())
        for line in answer.notes:
            note(line)


def _range(date_from: str | None, date_to: str | None) -> dict[str, Any]:
    from applens.access._base import day_range

    start, end = day_range(date_from, date_to)
    return {"start": start, "end": end}


@access_app.command("top")
def top(
    by: Annotated[str, typer.Option(help="program or cohort.")] = "program",
    group: Annotated[str | None, typer.Option(help="Only this program or cohort id.")] = None,
    least: Annotated[bool, typer.Option("--least", help="Least accessed first.")] = False,
    date_from: FromOpt = None, date_to: ToOpt = None, rows: RowsOpt = 10,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table,
) -> None:
    """Most (or least) accessed content per program or cohort, with distinct people, share of
    the group, and content nobody opened.

    Example: applens access top --by cohort --least -n 5
    """
    from applens.access import top_content

    _run(workspace, fmt, lambda d, ws: top_content(
        d, by=by, group=group, least=least, n=rows, **_range(date_from, date_to)),  # type: ignore[arg-type]
        "Least accessed content" if least else "Most accessed content",
        ("nobody_opened", "unopened"))


@access_app.command("quiet")
def quiet(
    by: Annotated[str, typer.Option(help="person or cohort.")] = "person",
    metric: Annotated[str, typer.Option(help="active_days or accesses.")] = "active_days",
    date_from: FromOpt = None, date_to: ToOpt = None, rows: RowsOpt = 20,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table,
) -> None:
    """Members with the fewest accesses or active days while enrolled, against their cohort
    (robust z, percentile), with the last time seen; --by cohort compares cohorts.

    Example: applens access quiet --by cohort
    """
    from applens.access import quiet_members

    _run(workspace, fmt, lambda d, ws: quiet_members(
        d, by=by, metric=metric, n=rows, **_range(date_from, date_to)),  # type: ignore[arg-type]
        "Quiet members" if by == "person" else "Quiet cohorts")


@access_app.command("after-end")
def after_end_cmd(
    date_from: FromOpt = None, date_to: ToOpt = None, rows: RowsOpt = 20,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table,
) -> None:
    """People who keep opening content after their membership ended: how much, which
    content, and which cohorts do it most.

    Example: applens access after-end -n 5
    """
    from applens.access import after_end

    _run(workspace, fmt, lambda d, ws: after_end(d, n=rows, **_range(date_from, date_to)),
         "Access after the end", ("cohorts", "content"))


@access_app.command("cross-program")
def cross_program_cmd(
    penalty: Annotated[float, typer.Option(
        min=0.1, help="Change-point penalty (higher: fewer changes).")] = 3.0,
    date_from: FromOpt = None, date_to: ToOpt = None, rows: RowsOpt = 20,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table,
) -> None:
    """Members opening another program's content: segments of the daily share split at its
    change points (when it started and stopped), and who did it.

    Example: applens access cross-program --from 2019-01-01
    """
    from applens.access import cross_program

    _run(workspace, fmt, lambda d, ws: cross_program(
        d, n=rows, penalty=penalty, **_range(date_from, date_to)),
        "Cross-program access by segment", ("changes", "people"))


@access_app.command("scrapers")
def scrapers_cmd(
    by: Annotated[str, typer.Option(help="user or ip.")] = "user",
    places: Annotated[Path | None, typer.Option(
        help="CSV with ip and city/region/country columns (IP -> place, read locally).")
    ] = None,
    date_from: FromOpt = None, date_to: ToOpt = None, rows: RowsOpt = 20,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table,
) -> None:
    """Machine-speed bursts, no think time, accounts on many IPs and IPs with many accounts,
    ranked with the reason and the evidence window.

    Example: applens access scrapers --by ip --places ip_places.csv
    """
    from applens.access import read_places, scrapers

    table = read_places(places) if places is not None else None
    _run(workspace, fmt, lambda d, ws: scrapers(
        d, entity=by, n=rows, places=table,  # type: ignore[arg-type]
        session_gap_s=ws.settings.session_gap_minutes * 60.0,
        **_range(date_from, date_to)), "Scrapers and shared accounts")


@access_app.command("outlier-days")
def outlier_days_cmd(
    by: Annotated[str, typer.Option(help="cohort, program or person.")] = "cohort",
    detector: Annotated[str, typer.Option(help="A registered anomaly detector.")] = "default",
    date_from: FromOpt = None, date_to: ToOpt = None, rows: RowsOpt = 30,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table,
) -> None:
    """Days when a cohort's (program's, person's) activity was unusual, by an anomaly
    detector, with the command that shows the day.

    Example: applens access outlier-days --by program --detector seasonal
    """
    from applens.access import outlier_days

    _run(workspace, fmt, lambda d, ws: outlier_days(
        d, by=by, detector=detector, n=rows, **_range(date_from, date_to)),  # type: ignore[arg-type]
        "Outlier days")


@access_app.command("demo")
def demo_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder of the access demo workspace.")] = Path(
        "applens-access-demo"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Build a workspace from a generated curriculum access log with planted answers
    (a scraper, an after-the-end account, a cross-program cut, a quiet cohort, an unopened
    lesson); the answers are in DIR/data/access_truth.json.

    Example: applens access demo && applens access scrapers -w applens-access-demo
    """
    from applens.demo.access_log import build_access_demo

    truth = build_access_demo(directory)
    if fmt is OutputFormat.table:
        say(f"Access demo workspace: {directory}")
    emit(truth.to_dict(), fmt, title="Planted answers")
