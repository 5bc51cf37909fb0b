"""Build a report (every section that applies) and write it: HTML, PNG charts, JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from applens._files import atomic_write
from applens.charts import png_bytes
from applens.errors import InvalidParameterError
from applens.insights.span import DEFAULT_WINDOW_DAYS, data_span, default_window
from applens.report._html import render_html, vega_bundle
from applens.report._model import Period, Report, ReportFiles
from applens.report._registry import build_sections
from applens.serialize import dumps

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["Report", "ReportFiles", "build_report", "default_period", "write_report"]

DEFAULT_DAYS = DEFAULT_WINDOW_DAYS


def _local_today(ws: Workspace) -> dt.date:
    return ws.now().astimezone(ZoneInfo(ws.settings.timezone)).date()


def loaded_days(ws: Workspace) -> tuple[dt.date, dt.date] | None:
    """The local days of the first and the last ingest (None before any)."""
    if not ws.has_table("ingests"):
        return None
    first, last = ws.connection.execute(
        "SELECT min(started_at), max(started_at) FROM ingests").fetchall()[0]
    if first is None:
        return None
    zone = ZoneInfo(ws.settings.timezone)
    return tuple(m.replace(tzinfo=dt.UTC).astimezone(zone).date()  # type: ignore[return-value]
                 for m in (first, last))


NO_EVENTS_NOTE = ("There are no events, so no day has activity; by default the report "
                  "covers the day(s) the data was loaded.")


def default_period(ws: Workspace, *, date_from: dt.date | None = None,
                   date_to: dt.date | None = None, days: int = DEFAULT_DAYS) -> Period:
    """The last ``days`` days of data up to yesterday (the last complete day), never before
    the first data day: a 4-day log gets a 4-day report. Without events there are no days
    of activity: the period is the days the data was loaded (today before any ingest)."""
    span = data_span(ws.backend)
    if span is None:
        first, last = loaded_days(ws) or (_local_today(ws),) * 2
        date_to = date_to or last
        date_from = date_from or min(first, date_to)
    cap = date_to or _local_today(ws) - dt.timedelta(days=1)
    window = default_window(span, timezone=ws.settings.timezone, days=days, until=cap)
    if date_to is None:
        date_to = window[1] if window and window[1] < cap else cap
    if date_from is None:
        date_from = date_to - dt.timedelta(days=days - 1)
        if window is not None and window[0] <= date_to:
            date_from = max(date_from, window[0])
    if date_from > date_to:
        raise InvalidParameterError(
            f"The report period starts after it ends ({date_from} > {date_to}); "
            "give --from before --to.")
    return Period(date_from, date_to)


def build_report(ws: Workspace, period: Period | None = None, *,
                 sections: list[str] | None = None) -> Report:
    """Run every registered section (or just ``sections``) over ``period``."""
    from applens import __version__

    note = "" if data_span(ws.backend) else NO_EVENTS_NOTE
    period = period or default_period(ws)
    built, skipped = build_sections(ws, period, sections)
    return Report(
        workspace_name=ws.path.name, workspace_path=str(ws.path), timezone=ws.settings.timezone,
        period=period, sections=built, skipped=skipped,
        generated_at=ws.now().strftime("%Y-%m-%d %H:%M UTC"), version=__version__, note=note,
    )


def default_folder(ws: Workspace, period: Period) -> Path:
    return ws.path / "reports" / f"report-{period.start.isoformat()}_{period.end.isoformat()}"


def write_report(ws: Workspace, report: Report, out: str | Path | None = None, *,
                 png: bool = True) -> ReportFiles:
    """``report.html`` (self-contained), ``report.json`` and ``charts/<section>-<name>.png``
    in ``out`` (default: ``<workspace>/reports/report-<from>_<to>/``)."""
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
                atomic_write(path, png_bytes(chart.chart))
                written.append(path)
    html = folder / "report.html"
    atomic_write(html, render_html(report, bundle=vega_bundle(ws.internal_dir)))
    data = folder / "report.json"
    payload = dumps(report.to_dict())
    atomic_write(data, payload + "\n")
    return ReportFiles(folder, html, data, written)
