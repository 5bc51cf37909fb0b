"""Support page: ticket volume by type over time, the negative share, by app version, the
top terms of each label and the most recent negative tickets (every text escaped by the
templates)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.breakdown import breakdown_chart
from applens.charts.support import negative_share_chart
from applens.formatting import count, percent
from applens.models.tickets import ticket_top_terms
from applens.text.summary import support_summary
from applens.web.pages._base import Empty, Filters, PageData, Panel, Table, chart_spec_of, page

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["support"]


@page("support", "Support", order=76)
def support(ws: Workspace, f: Filters) -> PageData:
    result = PageData()
    start = dt.datetime.combine(f.date_from, dt.time())
    end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time())
    found = support_summary(ws, start, end)
    if found is not None:
        found.top_terms = ticket_top_terms(ws)
    if found is None:
        result.empty.append(Empty(
            "No support tickets", "Load tickets to see what users write to support.",
            "applens ingest tickets.csv --table tickets --map ticket_id=ID --map text=TEXT"))
        return result
    result.cards = [("Tickets", count(found.tickets))]
    if found.negative_share is not None:
        result.cards.append(("Negative share", percent(found.negative_share)))
    if not found.by_type.empty:
        result.panels.append(Panel("ticket_volume", "Tickets per day by type", found.by_type,
                                   chart_spec_of(breakdown_chart, found.by_type,
                                                 metric="tickets", slice_title="type")))
    if not found.negative_daily.empty:
        result.panels.append(Panel("negative_share", "Negative share per day",
                                   found.negative_daily,
                                   chart_spec_of(negative_share_chart, found.negative_daily)))
    if not found.by_version.empty:
        result.tables.append(Table("by_version", "Negative share by app version",
                                   found.by_version.drop(columns="threshold")))
    if found.top_terms:
        result.tables.append(Table("top_terms", "Top terms per label", pd.DataFrame(
            [{"label": k, "terms": ", ".join(v)} for k, v in found.top_terms.items()])))
    if not found.worst.empty:
        result.tables.append(Table("negative_tickets", "Most recent negative tickets",
                                   found.worst))
    return result
