"""Data quality: what was ingested, what was rejected and why, and days with missing data."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

import pandas as pd

from applens.charts.completeness import completeness_heatmap
from applens.errors import InsufficientDataError
from applens.report._model import Figure, NamedChart, Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import columns, fmt_int, fmt_pct, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace

THIN_DAY = 0.5  # a day with under half the median rows looks incomplete


def daily_rows(ws: Workspace, period: Period) -> pd.DataFrame:
    """day, source (the ingested file or table), rows: events per day and source."""
    start, end = utc_bounds(ws, period)
    if "_ingest_id" in columns(ws, "events") and ws.has_table("ingests"):
        sql = ("SELECT CAST(e.ts AS DATE) AS day, coalesce(i.source, '(unknown)') AS source, "
               "count(*) AS rows FROM events e LEFT JOIN ingests i "
               "ON e._ingest_id = i.ingest_id WHERE e.ts >= ? AND e.ts < ? GROUP BY ALL")
    else:
        sql = ("SELECT CAST(ts AS DATE) AS day, 'events' AS source, count(*) AS rows "
               "FROM events WHERE ts >= ? AND ts < ? GROUP BY ALL")
    frame = ws.connection.execute(sql, [start, end]).df()
    frame["source"] = [PurePath(s).name or s for s in frame["source"].astype(str)]
    return frame


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CLOSED_SHARE = 0.8  # a weekday empty in 80 % of its weeks is closed, not missing data
CLOSED_WEEKS = 3  # ... judged over at least this many of its occurrences


def closed_weekdays(ws: Workspace) -> set[int]:
    """Weekdays (Monday 0) that are regularly empty over the whole history: a shop closed
    on Saturdays. Judged between the first and last day of data."""
    rows = ws.connection.execute(
        "SELECT CAST(ts AS DATE) AS day, count(*) AS rows FROM events GROUP BY 1").df()
    if rows.empty:
        return set()
    counts = rows.set_index(pd.to_datetime(rows["day"]))["rows"]
    days = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    empty = counts.reindex(days, fill_value=0).eq(0)
    by_day = empty.groupby(days.day_of_week).agg(["mean", "size"])
    return {int(w) for w, (share, n) in by_day.iterrows()
            if n >= CLOSED_WEEKS and share >= CLOSED_SHARE}


def _edge_days(ws: Workspace) -> tuple[str, str]:
    """The first and the last day of all the data (as ``daily_rows`` dates them)."""
    first, last = ws.connection.execute(
        "SELECT CAST(min(ts) AS DATE), CAST(max(ts) AS DATE) FROM events").fetchall()[0]
    return str(first)[:10], str(last)[:10]


@register("quality", order=120)
def quality(ws: Workspace, period: Period) -> Section | None:
    if not ws.has_table("ingests"):
        raise InsufficientDataError("Nothing has been ingested yet: run 'applens ingest FILE'.")
    ingests = ws.connection.execute(
        "SELECT target, count(*) AS ingests, sum(rows_read) AS rows_read, "
        "sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected "
        "FROM ingests GROUP BY target ORDER BY target").df()
    if ingests.empty:
        raise InsufficientDataError("Nothing has been ingested yet: run 'applens ingest FILE'.")
    read, rejected = int(ingests["rows_read"].sum()), int(ingests["rows_rejected"].sum())
    section = Section("quality", "Data quality", summary=(
        "Every ingest so far, rows refused at validation, and events per day and source "
        f"over {period} (a pale cell is a day with little or no data)."))
    share = rejected / read if read else 0.0
    section.figures = [Figure("rows ingested", int(ingests["rows_loaded"].sum()),
                              fmt_int(ingests["rows_loaded"].sum())),
                       Figure("rows rejected", rejected, f"{rejected:,} ({fmt_pct(share, 2)})")]
    section.tables.append(TableBlock("Ingests by table", ingests))
    section.findings.append(
        f"{int(ingests['ingests'].sum()):,} ingests into {', '.join(ingests['target'])}; "
        f"{rejected:,} of {read:,} rows rejected ({fmt_pct(share, 2)}).")
    if rejected:
        reasons = ws.connection.execute(
            "SELECT reason, count(*) AS rows FROM rejects GROUP BY reason "
            "ORDER BY rows DESC LIMIT 5").df()
        section.tables.append(TableBlock("Top reject reasons", reasons))
        section.findings.append(f"Most common reject reason: {reasons['reason'].iloc[0]} "
                                f"({int(reasons['rows'].iloc[0]):,} rows).")
        section.recommendations.append(
            "Run 'applens rejects' to see the refused rows (file, line, column, value) and "
            "fix the source or the column mapping.")
    frame = daily_rows(ws, period) if ws.has_table("events") else pd.DataFrame()
    if not frame.empty:
        per_day = frame.assign(day=[str(d)[:10] for d in frame["day"]]).groupby("day")["rows"].sum()
        days = [str(d)[:10] for d in pd.date_range(period.start, period.end, freq="D")]
        per_day = per_day.reindex(days, fill_value=0)
        closed = closed_weekdays(ws)
        usual = per_day[[pd.Timestamp(d).weekday() not in closed for d in per_day.index]]
        missing = [d for d, n in usual.items() if n == 0]
        thin = [d for d, n in usual.items() if 0 < n < THIN_DAY * usual.median()]
        # The data starts and ends somewhere within a day: its first and last day are
        # expected to be short, not a sign of lost rows.
        first, last = _edge_days(ws)
        partial = [d for d in thin if d in (first, last)]
        thin = [d for d in thin if d not in partial]
        for day in partial:
            side = "end" if day == last else "start"
            section.findings.append(
                f"{day} has under half the usual rows: a partial day at the {side} of the "
                "data, as expected where a file begins or ends.")
        if closed:
            names = ", ".join(f"{_WEEKDAYS[w]}s" for w in sorted(closed))
            section.findings.append(
                f"No events on {names}, week after week: a weekly pattern (closed days), "
                "not missing data.")
        if missing:
            section.findings.append(f"No events on {len(missing)} day(s): "
                                    f"{', '.join(map(str, missing[:5]))}.")
        if thin:
            section.findings.append(f"Under half the usual rows on {len(thin)} day(s): "
                                    f"{', '.join(map(str, thin[:5]))}.")
        if missing or thin:
            section.recommendations.append(
                "Check the ingestion of the empty or thin days (a source file may be missing "
                "or cut short) before reading trends across them.")
        section.charts = [NamedChart("completeness", "Events per day and source",
                                     completeness_heatmap(frame))]
        section.data["missing_days"] = missing
        section.data["rows_per_day"] = {day: int(n) for day, n in per_day.items()}
        section.data["closed_weekdays"] = [_WEEKDAYS[w] for w in sorted(closed)]
    section.data["ingests"] = ingests.to_dict(orient="records")
    return section
