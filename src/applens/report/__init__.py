"""Reports: the HTML report with its PNG charts and console summary, and the daily digest.

>>> from applens.report import build_report, write_report   # doctest: +SKIP
>>> report = build_report(ws)                                 # last 28 complete days
>>> write_report(ws, report).html                             # doctest: +SKIP

Sections are small functions ``(ws, period) -> Section | None`` registered in
``applens.report.sections``; a section appears only when the workspace has its data.
"""

from __future__ import annotations

from applens.report._model import Figure, NamedChart, Period, Section, TableBlock
from applens.report._registry import register, section_names
from applens.report.build import (
    Report,
    ReportFiles,
    build_report,
    default_period,
    write_report,
)

__all__ = [
    "Figure",
    "NamedChart",
    "Period",
    "Report",
    "ReportFiles",
    "Section",
    "TableBlock",
    "build_report",
    "default_period",
    "register",
    "section_names",
    "write_report",
]
