"""The report's console summary (Rich): key figures, findings and recommendations.

Every string from the data goes through ``Text`` (never markup), so an event called
``[bold]x[/]`` prints as written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from applens.report._model import Report, ReportFiles

__all__ = ["print_summary", "summary_renderable"]


def summary_renderable(report: Report) -> Group:
    figures = Table(title=Text(f"applens report · {report.workspace_name} · {report.period}"),
                    show_lines=False)
    figures.add_column("section")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for section in report.sections:
        for index, figure in enumerate(section.figures):
            figures.add_row(Text(section.title if index == 0 else ""), Text(figure.label),
                            Text(figure.text))
    parts: list[object] = [figures]
    if report.note:
        parts.append(Text(report.note))
    findings = Table(title=Text("Findings"), show_header=False, box=None, padding=(0, 1))
    findings.add_column("section", style="bold")
    findings.add_column("finding", overflow="fold")
    for title, text in report.findings:
        findings.add_row(Text(title), Text(text))
    parts.append(findings)
    if report.recommendations:
        advice = Table(title=Text("Recommendations"), show_header=False, box=None,
                       padding=(0, 1))
        advice.add_column("n", justify="right")
        advice.add_column("recommendation", overflow="fold")
        for number, (title, text) in enumerate(report.recommendations, 1):
            advice.add_row(Text(f"{number}."), Text(f"{title}: {text}"))
        parts.append(advice)
    if report.skipped:
        skipped = Table(title=Text("Not shown"), show_header=False, box=None, padding=(0, 1),
                        style="dim")
        skipped.add_column("section", style="bold")
        skipped.add_column("why", overflow="fold")
        for key, why in report.skipped.items():
            skipped.add_row(Text(key), Text(why))
        parts.append(skipped)
    return Group(*parts)  # type: ignore[arg-type]


def print_summary(report: Report, console: Console, files: ReportFiles | None = None) -> None:
    console.print(summary_renderable(report))
    if files is not None:
        console.print(Text(f"Report: {files.html}"))
        if files.charts:
            console.print(Text(f"Charts: {files.folder / 'charts'}/*.png ({len(files.charts)})"))
