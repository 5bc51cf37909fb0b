"""Build a report (every section that applies) and write it: HTML, PNG charts, JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from applens.errors import InvalidParameterError
from applens.report._model import Period, Section
from applens.report._registry import build_sections
from applens.serialize import dumps

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["Report", "ReportFiles", "build_report", "default_period", "write_report"]

DEFAULT_DAYS = 28


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
                "sections": [s.to_dict() for s in self.sections], "skipped": self.skipped}


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    html: Path
    json: Path
    charts: list[Path]


def _local_today(ws: Workspace) -> dt.date:
    return ws.now().astimezone(ZoneInfo(ws.settings.timezone)).date()


def last_data_day(ws: Workspace) -> dt.date | None:
    """The local date of the newest event (None without events)."""
    if not ws.has_table("events"):
        return None
    newest = ws.connection.execute("SELECT max(ts) FROM events").fetchall()[0][0]
    if newest is None:
        return None
    return newest.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ws.settings.timezone)).date()


def default_period(ws: Workspace, *, date_from: dt.date | None = None,
                   date_to: dt.date | None = None, days: int = DEFAULT_DAYS) -> Period:
    """``date_to`` defaults to yesterday (the last complete day) or the newest data day if
    that is earlier; ``date_from`` to ``days`` days before it."""
    if date_to is None:
        date_to = _local_today(ws) - dt.timedelta(days=1)
        newest = last_data_day(ws)
        if newest is not None and newest < date_to:
            date_to = newest
    if date_from is None:
        date_from = date_to - dt.timedelta(days=days - 1)
    if date_from > date_to:
        raise InvalidParameterError(
            f"The report period starts after it ends ({date_from} > {date_to}); "
            "give --from before --to.")
    return Period(date_from, date_to)


def build_report(ws: Workspace, period: Period | None = None, *,
                 sections: list[str] | None = None) -> Report:
    """Run every registered section (or just ``sections``) over ``period``."""
    from applens import __version__

    period = period or default_period(ws)
    built, skipped = build_sections(ws, period, sections)
    return Report(
        workspace_name=ws.path.name, workspace_path=str(ws.path), timezone=ws.settings.timezone,
        period=period, sections=built, skipped=skipped,
        generated_at=ws.now().strftime("%Y-%m-%d %H:%M UTC"), version=__version__,
    )


def default_folder(ws: Workspace, period: Period) -> Path:
    return ws.path / "reports" / f"report-{period.start.isoformat()}_{period.end.isoformat()}"


def write_report(ws: Workspace, report: Report, out: str | Path | None = None, *,
                 png: bool = True) -> ReportFiles:
    """``report.html`` (self-contained), ``report.json`` and ``charts/<section>-<name>.png``
    in ``out`` (default: ``<workspace>/reports/report-<from>_<to>/``)."""
    from applens.charts import png_bytes
    from applens.report._html import render_html, vega_bundle

    folder = Path(out) if out is not None else default_folder(ws, report.period)
    if folder.exists() and not folder.is_dir():
        raise InvalidParameterError(f"{folder} exists and is not a folder; choose another --out.")
    charts_dir = folder / "charts"
    charts_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if png:
        for section in report.sections:
            for chart in section.charts:
                path = charts_dir / f"{section.key}-{chart.name}.png"
                _atomic_write(path, png_bytes(chart.chart))
                written.append(path)
    html = folder / "report.html"
    _atomic_write(html, render_html(report, bundle=vega_bundle(ws.internal_dir)).encode())
    data = folder / "report.json"
    payload = dumps(report.to_dict())
    _atomic_write(data, (payload + "\n").encode())
    return ReportFiles(folder, html, data, written)


def _atomic_write(path: Path, content: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)
