"""Data page: configured sources, ingests, rejected rows and completeness per column."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.completeness import completeness_heatmap
from applens.web.pages._base import (
    Empty,
    Filters,
    PageData,
    Panel,
    Table,
    chart_spec_of,
    event_columns,
    page,
    quote,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["data"]


@page("data", "Data", order=80, cached=True)
def data(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    con = ws.connection
    sources = [s.model_dump() if hasattr(s, "model_dump") else dict(s)
               for s in ws.settings.sources]
    page.tables.append(Table("sources", "Configured sources (applens.toml)",
                             pd.DataFrame(sources), "" if sources else
                             "None configured: files loaded by hand or on the Upload page."))
    if ws.has_table("ingests"):
        page.tables.append(Table("ingests", "Ingests", con.execute(
            "SELECT ingest_id, source, target, format, rows_read, rows_loaded, rows_rejected, "
            "started_at, finished_at FROM ingests ORDER BY ingest_id DESC LIMIT 200").df()))
    else:
        page.empty.append(Empty("Nothing ingested yet", "Load a file on the Upload page or "
                                "from the command line.", "applens ingest events.csv"))
    if ws.has_table("rejects"):
        ingest = f.extra.get("ingest", "")
        clause, params = ("WHERE ingest_id = ?", [int(ingest)]) if ingest.isdigit() else ("", [])
        page.tables.append(Table("rejects", "Rejected rows (latest 200)", con.execute(
            f'SELECT ingest_id, source, line, "column", value, reason FROM rejects {clause} '
            "ORDER BY ingest_id DESC, line LIMIT 200", params).df()))
    if ws.has_table("events"):
        columns = [c for c in event_columns(ws) if c not in ("ts",)]
        where, params = f.sql_where()
        counts = ", ".join(f"count({quote(c)}) AS {quote(c)}" for c in columns)
        wide = con.execute(
            f"SELECT CAST(ts AS DATE) AS day, count(*) AS total, {counts} FROM events "
            f"WHERE {where} GROUP BY 1 ORDER BY 1", params).df()
        long = wide.melt(id_vars=["day", "total"], var_name="column", value_name="rows")
        long["day"] = long["day"].astype(str)
        long["filled"] = (long["rows"] / long["total"].where(long["total"] > 0)).round(4)
        page.panels.append(Panel("completeness", "Completeness: rows with a value per column",
                                 long, chart_spec_of(completeness_heatmap, long, source="column",
                                             title="Rows with a value per column and day")))
    return page
