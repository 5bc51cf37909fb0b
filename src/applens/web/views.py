"""What each dashboard page shows: figures, charts (Vega-Lite specs) and tables.

A page builder takes the workspace and the filters and returns a ``PageData``. The HTML
page, the JSON API and the CSV downloads all read the same ``PageData``, so a chart's CSV
is exactly the numbers drawn.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from starlette.responses import JSONResponse

from applens.charts.activity import active_users_chart
from applens.charts.alerts import alert_timeline
from applens.charts.anomaly import anomaly_chart
from applens.charts.breakdown import breakdown_chart
from applens.charts.completeness import completeness_heatmap
from applens.charts.crashes import crash_rate_chart
from applens.charts.experiment import effect_chart
from applens.charts.funnel import funnel_chart
from applens.charts.lifecycle import lifecycle_chart
from applens.charts.retention import retention_frame, retention_heatmap
from applens.charts.risk import risk_histogram
from applens.charts.stickiness import stickiness_chart
from applens.errors import InvalidParameterError, NotFoundError
from applens.formatting import count, number, percent
from applens.insights.funnel import DEFAULT_WINDOW_HOURS, default_steps
from applens.insights.span import data_span, default_window
from applens.serialize import dumps, frame_records

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["PAGES", "Filters", "PageData", "StrictJSONResponse", "build_page"]


class StrictJSONResponse(JSONResponse):
    """Every JSON answer of the API: the shared strict serialiser (NaN as null, ISO dates)."""

    def render(self, content: Any) -> bytes:
        return dumps(content, indent=None).encode("utf-8")


def _q(name: str) -> str:
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
            clause += f" AND {_q(self.slice_key)} = ?"  # slice_key is checked against the table
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
def _spec(build: Callable[..., Any], frame: pd.DataFrame, *args: Any, **kwargs: Any
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
                f"SELECT {_q(column)} FROM events WHERE {_q(column)} IS NOT NULL "
                f"GROUP BY 1 ORDER BY count(*) DESC LIMIT 50").fetchall()
            if rows:
                options[column] = [str(r[0]) for r in rows]
    return options


# -- pages -------------------------------------------------------------------------------
def _no_events() -> Empty:
    return Empty("No events yet", "The workspace has no events table. Load a file on the "
                 "Upload page, or from the command line.", "applens ingest events.csv")


def _query(ws: Workspace, spec: dict[str, Any]) -> Any:
    from applens.insights import query

    return query(spec, ws)


def overview(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    if not ws.has_table("events"):
        page.empty.append(_no_events())
        return page
    where, params = f.sql_where()
    events, users, sessions = ws.connection.execute(
        f"SELECT count(*), count(DISTINCT user_id), count(DISTINCT session_id) FROM events "
        f"WHERE {where}", params).fetchall()[0]
    active = _query(ws, f.spec("active_users", math=["dau", "wau", "mau"]))
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
                             _spec(active_users_chart, frame)))
    return page


def activity(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    if not ws.has_table("events"):
        page.empty.append(_no_events())
        return page
    breakdown = f.extra.get("breakdown", "os")
    columns = event_columns(ws)
    if breakdown not in columns:
        raise InvalidParameterError(
            f"breakdown must be a column of events ({', '.join(columns)}); got {breakdown!r}.")
    page.form = {"breakdown": breakdown, "breakdown_options": [
        c for c in columns if c in SLICE_COLUMNS or c == "event"]}
    active = _query(ws, f.spec("active_users", math=["dau", "wau", "mau"])).to_frame()
    page.panels.append(Panel("active_users", "Active users", active,
                             _spec(active_users_chart, active)))
    sticky = _query(ws, f.spec("stickiness")).to_frame()
    page.panels.append(Panel("stickiness", "Stickiness: users by number of active days",
                             sticky, _spec(stickiness_chart, sticky)))
    trends = _query(ws, f.spec("trends", series=[{"event": None, "math": "total"}],
                               breakdown={"type": "event", "property": breakdown},
                               breakdown_limit=10))
    frame = trends.to_frame()
    if len(frame):
        frame = frame.rename(columns={"A": "events"})
    page.panels.append(Panel("breakdown", f"Events per day by {breakdown}", frame,
                             _spec(breakdown_chart, frame, metric="events",
                                    title=f"Events by {breakdown}", slice_title=breakdown)))
    where, params = f.sql_where()
    top = ws.connection.execute(
        f"SELECT event, count(*) AS events, count(DISTINCT user_id) AS users FROM events "
        f"WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT 50", params).df()
    page.tables.append(Table("top_events", "Events", top))
    return page


def retention(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    if not ws.has_table("events"):
        page.empty.append(_no_events())
        return page
    days = (f.date_to - f.date_from).days + 1
    intervals = max(1, min(8, days))
    result = _query(ws, f.spec("retention", interval="day", total_intervals=intervals,
                               retention_type="first_time"))
    grid = retention_frame(result)
    page.panels.append(Panel("retention", "Retention by first-seen day (share of cohort)",
                             grid, _spec(retention_heatmap, grid,
                                         period_label="days since first seen")))
    life = _query(ws, f.spec("lifecycle")).to_frame()
    page.panels.append(Panel("lifecycle", "Lifecycle: new, returning, resurrecting, dormant",
                             life, _spec(lifecycle_chart, life)))
    return page


def funnels(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    if not ws.has_table("events"):
        page.empty.append(_no_events())
        return page
    where, params = f.sql_where()
    known = [r[0] for r in ws.connection.execute(
        f"SELECT event FROM events WHERE {where} GROUP BY 1 ORDER BY count(*) DESC LIMIT 200",
        params).fetchall()]
    text = f.extra.get("steps", "")
    steps = [s.strip() for s in text.split(",") if s.strip()] or _default_steps(ws, f)
    hours = f.extra.get("window_hours", str(DEFAULT_WINDOW_HOURS))
    try:
        window = int(hours)
        if window < 1:
            raise ValueError
    except ValueError:
        raise InvalidParameterError(
            f"window_hours must be a whole number of hours, 1 or more; got {hours!r}.") from None
    page.form = {"steps": ", ".join(steps), "window_hours": window, "known_events": known}
    if not steps:
        page.empty.append(Empty("No events in this range", "Choose another date range.",
                                "applens ingest events.csv"))
        return page
    result = _query(ws, f.spec("funnel", steps=[{"event": s} for s in steps],
                               conversion_window={"value": window, "unit": "hour"}))
    frame = result.to_frame()
    if "event" not in frame.columns:
        frame.insert(1, "event", steps[: len(frame)])
    page.panels.append(Panel("funnel", "Funnel: users reaching each step", frame,
                             _spec(funnel_chart, frame)))
    return page


def _default_steps(ws: Workspace, f: Filters) -> list[str]:
    """The default funnel (the report's too): see ``insights.funnel.default_steps``."""
    events = ws.table("events")
    lo, hi = f.sql_where()[1][:2]
    events = events.filter((events.ts >= lo) & (events.ts < hi))
    if f.slice_key and f.slice_value:
        events = events.filter(events[f.slice_key] == f.slice_value)
    return default_steps(events)


def _saved_readouts(ws: Workspace) -> dict[str, Any]:
    """Experiment readouts saved as JSON in the workspace's outputs folder."""
    found: dict[str, Any] = {}
    folder = ws.path / "outputs"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        readouts = (data.get("data") or {}).get("readouts") if isinstance(data, dict) else None
        if isinstance(readouts, dict):
            for name, readout in readouts.items():
                if isinstance(readout, dict) and readout.get("metrics"):
                    found[f"{path.stem}:{name}"] = readout
    return found


def _declared_readouts(ws: Workspace, page: PageData) -> dict[str, Any]:
    """Readouts of the experiments declared in applens.toml ([experiments.NAME])."""
    declared = _optional("applens.experiments.declared")
    if declared is None or not getattr(ws.settings, "experiments", None):
        return {}
    from applens.errors import ApplensError

    found: dict[str, Any] = {}
    for row in declared.list_experiments(ws):
        try:
            found[row["name"]] = declared.analyze_experiment(ws, row["name"]).to_dict()
        except ApplensError as exc:
            page.empty.append(Empty(f"Experiment {row['name']}: no readout", str(exc),
                                    f"applens ab analyze --experiment {row['name']}"))
    return found


def experiments(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    readouts = {**_declared_readouts(ws, page), **_saved_readouts(ws)}
    if not readouts:
        page.empty.append(Empty(
            "No experiment readouts yet",
            "Experiments declared in applens.toml ([experiments.NAME]) and readouts saved in "
            "the workspace's outputs/ folder appear here.",
            "applens ab analyze --experiment NAME"))
        return page
    rows = []
    for name, readout in readouts.items():
        for metric in readout["metrics"]:
            rows.append({"readout": name, "metric": metric.get("metric"),
                         "control": metric.get("control"), "treatment": metric.get("treatment"),
                         "difference": metric.get("difference"), "ci_low": metric.get("ci_low"),
                         "ci_high": metric.get("ci_high"), "lift": metric.get("lift"),
                         "lift_ci_low": metric.get("lift_ci_low"),
                         "lift_ci_high": metric.get("lift_ci_high"),
                         "p_value": metric.get("p_value"),
                         "p_adjusted": metric.get("p_adjusted", metric.get("p_value")),
                         "alpha": readout.get("alpha", 0.05),
                         "srm_ok": (readout.get("srm") or {}).get("ok")})
    frame = pd.DataFrame(rows)
    effects = pd.DataFrame({
        "metric": frame["readout"] + " · " + frame["metric"].astype(str) + " ("
        + frame["treatment"].astype(str) + " vs " + frame["control"].astype(str) + ")",
        "lift": frame["lift"], "low": frame["lift_ci_low"], "high": frame["lift_ci_high"],
        "significant": frame["p_adjusted"].astype(float) < frame["alpha"].astype(float)})
    page.panels.append(Panel("effects", "Experiment effects: relative lift with confidence "
                             "intervals", frame, _spec(effect_chart, effects)))
    page.tables.append(Table("readouts", "Readouts", frame))
    return page


def _alerts(ws: Workspace, f: Filters) -> pd.DataFrame | None:
    """The monitor's incidents overlapping the range (None before the monitor ever ran)."""
    from applens import monitor

    if not ws.has_table("events"):
        return None
    since = dt.datetime.combine(f.date_from, dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    frame = monitor.alert_history(ws, since, until)
    return frame.reset_index(drop=True) if len(frame) else None


def _hourly_marks(hourly: pd.DataFrame, alerts: pd.DataFrame | None) -> pd.DataFrame:
    """Events per hour in the shape of the anomaly chart; hours with an alert are marked."""
    frame = pd.DataFrame({"slice_start": hourly["hour"], "value": hourly["events"],
                          "expected": float("nan"), "lower": float("nan"),
                          "upper": float("nan"), "anomalous": False})
    if alerts is not None and len(alerts):
        stamps = pd.to_datetime(alerts["slice_start"], utc=True).dt.tz_localize(None)
        hours = pd.to_datetime(frame["slice_start"])
        hours = hours.dt.tz_localize(None) if hours.dt.tz is not None else hours
        frame["anomalous"] = hours.isin(set(stamps.dt.floor("h")))
    return frame


def anomalies(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    if not ws.has_table("events"):
        page.empty.append(_no_events())
        return page
    where, params = f.sql_where()
    hourly = ws.connection.execute(
        f"SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, count(*) AS events FROM events "
        f"WHERE {where} GROUP BY 1 ORDER BY 1", params).df()
    alerts = _alerts(ws, f)
    page.panels.append(Panel("events_hourly", "Events per hour (hours with an alert marked)",
                             hourly, _spec(anomaly_chart, _hourly_marks(hourly, alerts),
                                           "Events per hour")))
    if alerts is None:
        page.empty.append(Empty("No alert history", "Alerts appear here once the monitor has "
                                "run over this workspace ([monitors.NAME] in applens.toml).",
                                "applens monitor --once"))
    else:
        page.panels.append(Panel("alert_timeline", "Alerts by monitor", alerts,
                                 _spec(alert_timeline, alerts)))
        page.tables.append(Table("alerts", "Alert history", alerts))
    return page


def _optional(module: str) -> Any:
    """A module of another area when it is installed (None otherwise)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _crash_panel(ws: Workspace, f: Filters) -> Panel | None:
    mdl = _optional("applens.models")
    if mdl is not None and hasattr(mdl, "crash_summary"):
        frame = mdl.crash_summary(ws, by=["app_version"], date_from=f.date_from,
                                  date_to=f.date_to, min_sessions=10)
        if not len(frame) or not frame["crashes"].sum():
            return None
        frame = frame.sort_values("app_version", kind="stable").reset_index(drop=True)
        return Panel("crash_rate", "Crash rate by app version (share of sessions, 95% CI)",
                     frame, _spec(crash_rate_chart, frame))
    if "app_version" not in event_columns(ws):
        return None
    where, params = f.sql_where()
    frame = ws.connection.execute(
        f"SELECT app_version, count(DISTINCT session_id) AS sessions, "
        f"count(DISTINCT session_id) FILTER (WHERE event = 'crash') AS crashes "
        f"FROM events WHERE {where} AND app_version IS NOT NULL GROUP BY 1 ORDER BY 1",
        params).df()
    if not len(frame) or not frame["crashes"].sum():
        return None
    frame["crash_rate"] = (frame["crashes"] / frame["sessions"]).round(4)
    return Panel("crash_rate", "Crash rate by app version (share of sessions)", frame,
                 _spec(crash_rate_chart, frame))


MODEL_TITLES = {"churn": "Churn risk", "crash": "Crash risk", "bots": "Bots",
                "personas": "Personas"}


def models(ws: Workspace, f: Filters) -> PageData:
    page = PageData()
    if not ws.has_table("events"):
        page.empty.append(_no_events())
        return page
    crash = _crash_panel(ws, f)
    if crash is not None:
        page.panels.append(crash)
    mdl = _optional("applens.models")
    names = list(getattr(mdl, "MODELS", {}) or MODEL_TITLES) if mdl else list(MODEL_TITLES)
    metrics = mdl.model_metrics(ws) if mdl is not None and hasattr(mdl, "model_metrics") else {}
    for name in names:
        title = MODEL_TITLES.get(name, name.title())
        scores = (mdl.latest_scores(ws, name) if mdl is not None
                  and hasattr(mdl, "latest_scores") else pd.DataFrame())
        if not len(scores):
            page.empty.append(Empty(
                f"{title}: no scores yet", "Scores appear here after the model is trained "
                "and has scored the workspace.",
                f"applens train --models {name} && applens predict --models {name}"))
            continue
        scores = scores.copy()
        if "reasons" in scores.columns:
            scores["reasons"] = scores["reasons"].map(
                lambda r: "; ".join(map(str, r)) if isinstance(r, (list, tuple)) or (
                    hasattr(r, "tolist") and not isinstance(r, str)) else r)
        if name == "personas" and "label" in scores.columns:
            sizes = (scores.groupby("label").size().rename("users").reset_index()
                     .rename(columns={"label": "breakdown"}))
            page.panels.append(Panel(f"{name}_scores", f"{title}: users per persona", sizes,
                                     _spec(breakdown_chart, sizes, metric="users",
                                           title="Users per persona", slice_title="persona")))
        else:
            page.panels.append(Panel(f"{name}_scores", f"{title}: score distribution", scores,
                                     _spec(risk_histogram, scores, title=f"{title} score")))
        top = scores.sort_values("rank").head(50).reset_index(drop=True)
        note = ", ".join(f"{k} {number(v)}" for k, v in metrics.get(name, {}).items())
        page.tables.append(Table(f"{name}_top", f"{title}: highest scores", top,
                                 f"Validation: {note}" if note else ""))
    return page


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
        counts = ", ".join(f"count({_q(c)}) AS {_q(c)}" for c in columns)
        wide = con.execute(
            f"SELECT CAST(ts AS DATE) AS day, count(*) AS total, {counts} FROM events "
            f"WHERE {where} GROUP BY 1 ORDER BY 1", params).df()
        long = wide.melt(id_vars=["day", "total"], var_name="column", value_name="rows")
        long["day"] = long["day"].astype(str)
        long["filled"] = (long["rows"] / long["total"].where(long["total"] > 0)).round(4)
        page.panels.append(Panel("completeness", "Completeness: rows with a value per column",
                                 long, _spec(completeness_heatmap, long, source="column",
                                             title="Rows with a value per column and day")))
    return page


Builder = Callable[["Workspace", Filters], PageData]
PAGES: dict[str, tuple[str, Builder]] = {
    "overview": ("Overview", overview),
    "activity": ("Activity & slices", activity),
    "retention": ("Retention & lifecycle", retention),
    "funnels": ("Funnels", funnels),
    "experiments": ("Experiments", experiments),
    "anomalies": ("Anomalies & alerts", anomalies),
    "models": ("Models", models),
    "data": ("Data", data),
}


def build_page(name: str, ws: Workspace, f: Filters) -> PageData:
    if name not in PAGES:
        from applens.errors import did_you_mean

        raise NotFoundError(f"There is no page '{name}'.{did_you_mean(name, PAGES)} "
                            f"Pages: {', '.join(PAGES)}.")
    return PAGES[name][1](ws, f)


def uploads_dir(ws: Workspace) -> Path:
    folder = ws.path / "uploads"
    folder.mkdir(exist_ok=True)
    return folder
