"""What a report is made of: a period, sections of figures, charts and findings, the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

__all__ = [
    "Figure", "NamedChart", "Period", "Report", "ReportFiles", "Section", "TableBlock",
]


@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` .. ``end`` (both included) in the workspace timezone."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, days: int) -> Period:
        delta = dt.timedelta(days=days)
        return Period(self.start + delta, self.end + delta)

    def spec_range(self) -> dict[str, str]:
        """``date_from`` / ``date_to`` for an insight spec."""
        return {"date_from": self.start.isoformat(), "date_to": self.end.isoformat()}

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class Figure:
    """One key number: ``value`` is the raw number, ``text`` how it is shown."""

    label: str
    value: float | int | None
    text: str


@dataclass(frozen=True)
class NamedChart:
    name: str  # file-safe: the PNG is <section>-<name>.png
    title: str
    chart: alt.TopLevelMixin


@dataclass(frozen=True)
class TableBlock:
    title: str
    frame: pd.DataFrame


@dataclass
class Section:
    """A part of the report; built by a section function only when the workspace has the data."""

    key: str
    title: str
    summary: str = ""
    figures: list[Figure] = field(default_factory=list)
    charts: list[NamedChart] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # numbers behind the text, for JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "summary": self.summary,
            "figures": [f.__dict__ for f in self.figures],
            "charts": [c.name for c in self.charts],
            "findings": self.findings, "recommendations": self.recommendations,
            "data": self.data,
        }


@dataclass
class Report:
    workspace_name: str
    workspace_path: str
    timezone: str
    period: Period
    sections: list[Section]
    skipped: dict[str, str] = field(default_factory=dict)
    generated_at: str = ""
    version: str = ""
    note: str = ""  # where the period comes from, when not from the events

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def findings(self) -> list[tuple[str, str]]:
        return [(s.title, text) for s in self.sections for text in s.findings]

    @property
    def recommendations(self) -> list[tuple[str, str]]:
        return [(s.title, text) for s in self.sections for text in s.recommendations]

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.workspace_path, "timezone": self.timezone,
                "from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                "generated_at": self.generated_at, "version": self.version,
                "note": self.note,
                "sections": [s.to_dict() for s in self.sections], "skipped": self.skipped}


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    html: Path
    json: Path
    charts: list[Path]
