"""Access page: the six content-access questions over the chosen dates (``applens.access``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from applens.access import AccessData
from applens.access.overview import overview
from applens.web.pages._base import Empty, Filters, PageData, Table, page

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["access"]


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
    found = overview(AccessData.from_workspace(ws), start, end, rows=20)
    result.cards = list(found.cards)
    result.tables = [Table(key, title, frame) for key, title, frame in found.tables]
    notes = found.findings + found.notes + [f"{k} skipped: {v}" for k, v in found.skipped.items()]
    if notes and result.tables:
        first = result.tables[0]
        result.tables[0] = Table(first.id, first.title, first.frame, " ".join(notes))
    return result
