"""What every dashboard page shares: the filters, the page data model, and the registry.

A page is one module in ``applens.web.pages`` with a builder ``(ws, filters) -> PageData``
carrying ``@page("key", "Title", order=N)``; ``PAGES`` imports every public module of the
package, and the nav, the HTML pages, the JSON API and the CSV downloads read it. They all
read the same ``PageData``, so a chart's CSV is exactly the numbers drawn.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd
from starlette.responses import JSONResponse

from applens.errors import InvalidParameterError, NotFoundError
from applens.insights.span import data_span, default_window
from applens.registry import Registry
from applens.serialize import dumps, frame_records

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = [
    "PAGES",
    "SLICE_COLUMNS",
    "Builder",
    "Empty",
    "Filters",
    "Page",
    "PageData",
    "Panel",
    "StrictJSONResponse",
    "Table",
    "build_page",
    "chart_spec_of",
    "data_range",
    "event_columns",
    "no_events",
    "optional_module",
    "page",
    "parse_filters",
    "quote",
    "run_query",
    "slice_options",
    "uploads_dir",
]


class StrictJSONResponse(JSONResponse):
    """Every JSON answer of the API: the shared strict serialiser (NaN as null, ISO dates)."""

    def render(self, content: Any) -> bytes:
        return dumps(content, indent=None).encode("utf-8")


def quote(name: str) -> str:
    """A quoted SQL identifier (column names come from user files)."""
    return '"' + name.replace('"', '""') + '"'


SLICE_COLUMNS = ("os", "app_version", "country", "device", "source", "city")


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, workspace calendar days) and one optional slice."""

    date_from: dt.date
    date_to: dt.date
    slice_key: str = ""
    slice_value: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def properties(self) -> list[dict[str, Any]]:
        if self.slice_key and self.slice_value:
            return [{"key": self.slice_key, "type": "event", "operator": "exact",
                     "value": [self.slice_value]}]
        return []

    def spec(self, kind: str, **more: Any) -> dict[str, Any]:
        return {"kind": kind, "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat(), "properties": self.properties(), **more}

    def sql_where(self) -> tuple[str, list[Any]]:
        """A WHERE clause on ``events`` (ts is UTC; the range is whole UTC days)."""
        clause = "ts >= ? AND ts < ?"
        params: list[Any] = [dt.datetime.combine(self.date_from, dt.time()),
                             dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time())]
        if self.slice_key and self.slice_value:
            clause += f" AND {quote(self.slice_key)} = ?"  # slice_key is checked against the table
            params.append(self.slice_value)
        return clause, params

    def query_items(self) -> dict[str, str]:
        items = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.slice_key and self.slice_value:
            items |= {"slice_key": self.slice_key, "slice_value": self.slice_value}
        return items | self.extra


@dataclass
class Panel:
    id: str
    title: str
    frame: pd.DataFrame
    chart: dict[str, Any] | None = None
    note: str = ""


@dataclass
class Table:
    id: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    # column -> link text: that column holds URLs, shown as links (e.g. an alert's "explain")
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class Empty:
    title: str
    message: str
    command: str


@dataclass
class PageData:
    cards: list[tuple[str, str]] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    empty: list[Empty] = field(default_factory=list)
    form: dict[str, Any] = field(default_factory=dict)

    def frame(self, item_id: str) -> pd.DataFrame:
        for item in (*self.panels, *self.tables):
            if item.id == item_id:
                return item.frame
        names = ", ".join(i.id for i in (*self.panels, *self.tables)) or "none"
        raise NotFoundError(f"This page has no chart or table '{item_id}'. It has: {names}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "cards": [{"label": k, "value": v} for k, v in self.cards],
            "charts": [{"id": p.id, "title": p.title, "data": frame_records(p.frame),
                        "spec": p.chart} for p in self.panels],
            "tables": [{"id": t.id, "title": t.title, "rows": frame_records(t.frame)}
                       for t in self.tables],
            "empty": [e.__dict__ for e in self.empty],
        }


# -- charts ----------------------------------------------------------------------------
def chart_spec_of(build: Callable[..., Any], frame: pd.DataFrame, *args: Any, **kwargs: Any
          ) -> dict[str, Any] | None:
    """A shared ``applens.charts`` chart as a Vega-Lite spec (None when there is no data)."""
    if not len(frame):
        return None
    from applens.charts import chart_spec

    return chart_spec(build(frame, *args, **kwargs))


# -- filters -----------------------------------------------------------------------------
def data_range(ws: Workspace) -> tuple[dt.date, dt.date] | None:
    return default_window(data_span(ws.backend), timezone=ws.settings.timezone, days=None)


def event_columns(ws: Workspace) -> list[str]:
    if not ws.has_table("events"):
        return []
    rows = ws.connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
        "ORDER BY ordinal_position").fetchall()
    return [r[0] for r in rows if not r[0].startswith("_")]


def parse_filters(ws: Workspace, params: dict[str, str]) -> Filters:
    """Filters from query parameters; the default range is the last 28 days with data."""
    window = default_window(data_span(ws.backend), timezone=ws.settings.timezone)
    first_default, last = window or (ws.now().date(), ws.now().date())

    def day(name: str, default: dt.date) -> dt.date:
        text = (params.get(name) or "").strip()
        if not text:
            return default
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidParameterError(
                f"{name} must be a date like 2026-11-01, got {text!r}.") from None

    date_to = day("date_to", last)
    date_from = day("date_from", first_default if "date_to" not in params else
                    date_to - dt.timedelta(days=27))
    if date_from > date_to:
        raise InvalidParameterError(
            f"date_from ({date_from}) is after date_to ({date_to}); swap them.")
    key = (params.get("slice_key") or "").strip()
    value = (params.get("slice_value") or "").strip()
    if key and key not in event_columns(ws):
        raise InvalidParameterError(
            f"slice_key must be a column of events ({', '.join(event_columns(ws))}); "
            f"got {key!r}.")
    known = ("date_from", "date_to", "slice_key", "slice_value", "token")
    extra = {k: v for k, v in params.items() if k not in known and v}
    return Filters(date_from, date_to, key, value if key else "", extra)


def slice_options(ws: Workspace) -> dict[str, list[str]]:
    """Values of the slice columns present in events (most frequent first, at most 50)."""
    options: dict[str, list[str]] = {}
    columns = event_columns(ws)
    for column in SLICE_COLUMNS:
        if column in columns:
            rows = ws.connection.execute(
                f"SELECT {quote(column)} FROM events WHERE {quote(column)} IS NOT NULL "
                f"GROUP BY 1 ORDER BY count(*) DESC LIMIT 50").fetchall()
            if rows:
                options[column] = [str(r[0]) for r in rows]
    return options


# -- helpers the pages share --------------------------------------------------------------
def no_events() -> Empty:
    return Empty("No events yet", "The workspace has no events table. Load a file on the "
                 "Upload page, or from the command line.", "applens ingest events.csv")


def run_query(ws: Workspace, spec: dict[str, Any]) -> Any:
    from applens.insights import query

    return query(spec, ws)


def optional_module(module: str) -> Any:
    """A module of another area when it is installed (None otherwise)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# -- the registry ------------------------------------------------------------------------
Builder = Callable[["Workspace", Filters], PageData]


class Page(NamedTuple):
    """A dashboard page: its nav title and its builder. A ``cached`` page is a function of
    the warehouse only (no files), so its data is kept per ``ws.data_version()``."""

    title: str
    build: Builder
    cached: bool = False


PAGES: Registry[Page] = Registry("page", discover="applens.web.pages")


def page(name: str, title: str, *, order: float, needs_events: bool = False,
         cached: bool = False) -> Callable[[Builder], Builder]:
    """Decorator: register the builder as page ``name`` (nav ``title``, placed by ``order``).
    With ``needs_events`` a workspace without events gets the "No events yet" state and the
    builder is not called. ``cached``: the page reads nothing but the warehouse (no model
    files or saved readouts), so a reload is instant until the warehouse is next written."""

    def decorate(build: Builder) -> Builder:
        if needs_events:
            build = _with_events(build)
        PAGES.add(name, Page(title, build, cached), order=order)
        return build

    return decorate


def _with_events(build: Builder) -> Builder:
    @functools.wraps(build)
    def guarded(ws: Workspace, f: Filters) -> PageData:
        if not ws.has_table("events"):
            return PageData(empty=[no_events()])
        return build(ws, f)

    return guarded


def build_page(name: str, ws: Workspace, f: Filters) -> PageData:
    return PAGES.get(name).build(ws, f)


def uploads_dir(ws: Workspace) -> Path:
    folder = ws.path / "uploads"
    folder.mkdir(exist_ok=True)
    return folder
