"""Access page: the six content-access questions over the chosen dates (``applens.access``).

Charts: the daily cross-program share with its change points, and the most read content per
program. Each outlier day links to this page narrowed to that day and cohort
(``?cohort=ID``), which adds what that cohort read on that day; the CLI prints the command.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pandas as pd

from applens.access import AccessData, top_content
from applens.access.overview import overview
from applens.charts.access import cross_program_chart, top_content_chart
from applens.web.pages._base import Empty, Filters, PageData, Panel, Table, chart_spec_of, page

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["access"]

GROUPS = ("cohort", "program")  # the drill's query parameters


@page("access", "Access", order=78, needs_events=True)
def access(ws: Workspace, f: Filters) -> PageData:
    result = PageData()
    if not ws.has_table("memberships"):
        result.empty.append(Empty(
            "No memberships yet", "Content-access questions need a cohort table (cohort, "
            "program, start_date, end_date) beside the access log.",
            "applens ingest cohorts.csv --table memberships"))
        return result
    start = dt.datetime.combine(f.date_from, dt.time())
    end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time())
    data = AccessData.from_workspace(ws)
    found = overview(data, start, end, rows=20)
    result.cards = list(found.cards)
    if "daily" in found.series and len(found.series["daily"]):
        result.panels.append(Panel(
            "cross_program_daily", "Cross-program share per day (change points marked)",
            found.series["daily"], chart_spec_of(cross_program_chart, found.series["daily"],
                                                 found.series.get("changes"))))
    tables = {key: (title, frame) for key, title, frame in found.tables}
    if "top_content" in tables and len(tables["top_content"][1]):
        result.panels.append(Panel("top_content_bars", "Most accessed content per program",
                                   tables["top_content"][1],
                                   chart_spec_of(top_content_chart, tables["top_content"][1])))
    result.tables = _drill(data, f, start, end)
    for key, (title, frame) in tables.items():
        if key == "outlier_days":
            result.tables.append(Table(key, title, _day_links(frame, f),
                                       links={"open": "that day"}))
        else:
            result.tables.append(Table(key, title, frame))
    notes = found.findings + found.notes + [f"{k} skipped: {v}" for k, v in found.skipped.items()]
    if notes and result.tables:
        first = result.tables[0]
        result.tables[0] = Table(first.id, first.title, first.frame, " ".join(notes),
                                 first.links)
    return result


def _day_links(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The outlier days with ``open``: this page on that day for that cohort or program (the
    CLI's ``drill`` command, as a link)."""
    group = next((g for g in GROUPS if g in frame.columns), None)
    if group is None or not len(frame):
        return frame.drop(columns=["drill"], errors="ignore")
    base = {k: v for k, v in f.query_items().items() if k not in GROUPS}
    links = [f"/page/access?{urlencode(_day(base, d) | {group: str(i)})}#table-drill"
             for i, d in zip(frame[group], frame["day"], strict=True)]
    return frame.drop(columns=["drill"], errors="ignore").assign(open=links)


def _day(items: dict[str, str], day: object) -> dict[str, str]:
    return items | {"date_from": str(day), "date_to": str(day)}


def _drill(data: AccessData, f: Filters, start: dt.datetime, end: dt.datetime) -> list[Table]:
    """With ``?cohort=ID`` (or ``program``): what that group read over the chosen days."""
    group = next((g for g in GROUPS if f.extra.get(g)), None)
    if group is None:
        return []
    ident = f.extra[group]
    answer = top_content(data, by=group, start=start, end=end, n=20, group=ident)
    days = (f"on {f.date_from}" if f.date_from == f.date_to
            else f"from {f.date_from} to {f.date_to}")
    return [Table("drill", f"What {group} {ident} read {days}", answer.table)]
