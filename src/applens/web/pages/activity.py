"""Overview and Activity pages: headline numbers, active users, stickiness, events by slice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.charts.activity import active_users_chart
from applens.charts.breakdown import breakdown_chart
from applens.charts.stickiness import stickiness_chart
from applens.errors import InvalidParameterError
from applens.formatting import count, percent
from applens.web.pages._base import (
    SLICE_COLUMNS,
    Filters,
    PageData,
    Panel,
    Table,
    chart_spec_of,
    event_columns,
    page,
    run_query,
)

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["activity", "overview"]


@page("overview", "Overview", order=10, needs_events=True, cached=True)
def overview(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    where, params = f.sql_where()
    events, users, sessions = ws.connection.execute(
        f"SELECT count(*), count(DISTINCT user_id), count(DISTINCT session_id) FROM events "
        f"WHERE {where}", params).fetchall()[0]
    active = run_query(ws, f.spec("active_users", math=["dau", "wau", "mau"]))
    frame = active.to_frame()
    last = frame.iloc[-1] if len(frame) else None
    page.cards = [("Events", count(events)), ("Users", count(users)),
                  ("Sessions", count(sessions))]
    if last is not None:
        page.cards += [("DAU (last day)", count(last["dau"])),
                       ("WAU", count(last["wau"])), ("MAU", count(last["mau"]))]
        if last["mau"]:
            page.cards.append(("Stickiness DAU/MAU", percent(last["dau"] / last["mau"], 0)))
    page.panels.append(Panel("active_users", "Active users (DAU / WAU / MAU)", frame,
                             chart_spec_of(active_users_chart, frame)))
    return page


@page("activity", "Activity & slices", order=20, needs_events=True, cached=True)
def activity(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    breakdown = f.extra.get("breakdown", "os")
    columns = event_columns(ws)
    if breakdown not in columns:
        raise InvalidParameterError(
            f"breakdown must be a column of events ({', '.join(columns)}); got {breakdown!r}.")
    page.form = {"breakdown": breakdown, "breakdown_options": [
        c for c in columns if c in SLICE_COLUMNS or c == "event"]}
    active = run_query(ws, f.spec("active_users", math=["dau", "wau", "mau"])).to_frame()
    page.panels.append(Panel("active_users", "Active users", active,
                             chart_spec_of(active_users_chart, active)))
    sticky = run_query(ws, f.spec("stickiness")).to_frame()
    page.panels.append(Panel("stickiness", "Stickiness: users by number of active days",
                             sticky, chart_spec_of(stickiness_chart, sticky)))
    trends = run_query(ws, f.spec("trends", series=[{"event": None, "math": "total"}],
                               breakdown={"type": "event", "property": breakdown},
                               breakdown_limit=10))
    frame = trends.to_frame()
    if len(frame):
        frame = frame.rename(columns={"A": "events"})
    page.panels.append(Panel("breakdown", f"Events per day by {breakdown}", frame,
                             chart_spec_of(breakdown_chart, frame, metric="events",
                                    title=f"Events by {breakdown}", slice_title=breakdown)))
    where, params = f.sql_where()
    top = ws.connection.execute(
        f"SELECT event, count(*) AS events, count(DISTINCT user_id) AS users FROM events "
        f"WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT 50", params).df()
    page.tables.append(Table("top_events", "Events", top))
    return page
