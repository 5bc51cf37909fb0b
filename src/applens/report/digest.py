"""The daily digest: key numbers of one day against the day before and the same weekday a
week earlier, with a 7-day chart, saved under ``<workspace>/digests/<date>/`` and optionally
sent to the ``[notify]`` channels.

>>> digest = build_digest(ws, dt.date(2026, 11, 20))   # doctest: +SKIP
>>> send_digest(ws, digest)                             # doctest: +SKIP

``applens serve --schedule`` calls both once a day for the day before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd

from applens._files import atomic_write
from applens.errors import ConfigError, DataError, NotFoundError
from applens.formatting import count, lift, percent, pp
from applens.insights.explain import explain

if TYPE_CHECKING:
    from applens.notify import Delivery
    from applens.workspace import Workspace

__all__ = ["Digest", "Metric", "build_digest", "send_digest"]

WINDOW = 7  # days in the chart


@dataclass(frozen=True)
class Metric:
    """One number of the day with the day before and the same weekday last week."""

    key: str
    label: str
    value: float | None
    previous_day: float | None
    last_week: float | None
    rate: bool = False  # a share (shown as %, changes in percentage points)

    @staticmethod
    def _delta(value: float | None, base: float | None) -> tuple[float | None, float | None]:
        if value is None or base is None:
            return None, None
        return value - base, ((value / base - 1) if base else None)

    @property
    def vs_previous_day(self) -> tuple[float | None, float | None]:
        """(absolute change, relative change) against the day before."""
        return self._delta(self.value, self.previous_day)

    @property
    def vs_last_week(self) -> tuple[float | None, float | None]:
        return self._delta(self.value, self.last_week)

    def text(self, value: float | None) -> str:
        if value is None:
            return "n/a"
        return percent(value, 2) if self.rate else count(value)

    def change_text(self, change: tuple[float | None, float | None]) -> str:
        absolute, relative = change
        if absolute is None:
            return "n/a"
        if self.rate:
            return pp(absolute, 2)
        sign = "+" if round(absolute) > 0 else ""
        return f"{sign}{count(absolute)} ({lift(relative)})"


@dataclass
class Digest:
    day: dt.date
    metrics: list[Metric]
    daily: pd.DataFrame  # one row per local day, the WINDOW days ending on ``day``
    folder: Path
    markdown: Path | None = None
    charts: list[Path] = field(default_factory=list)
    explanation: str | None = None  # which slice moved DAU against last week (or why not)

    @property
    def title(self) -> str:
        return f"applens daily digest: {self.day.isoformat()} ({self.day:%A})"

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)

    def body(self) -> str:
        """The digest as markdown (what is saved and sent)."""
        lines = [f"# {self.title}", "",
                 "| metric | value | vs day before | vs same weekday last week |",
                 "|---|---:|---:|---:|"]
        for m in self.metrics:
            lines.append(f"| {m.label} | {m.text(m.value)} | {m.change_text(m.vs_previous_day)}"
                         f" | {m.change_text(m.vs_last_week)} |")
        if self.explanation:
            lines += ["", f"Against the same weekday last week: {self.explanation}"]
        lines += ["", f"Charts: the last {WINDOW} days ending {self.day.isoformat()}."]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "folder": str(self.folder),
                "metrics": [{"key": m.key, "label": m.label, "value": m.value,
                             "previous_day": m.previous_day, "last_week": m.last_week,
                             "vs_previous_day": m.vs_previous_day,
                             "vs_last_week": m.vs_last_week} for m in self.metrics],
                "charts": [str(p) for p in self.charts], "explanation": self.explanation}


def _utc(ws: Workspace, day: dt.date) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time()).replace(tzinfo=ZoneInfo(ws.settings.timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _daily(ws: Workspace, days: list[dt.date]) -> pd.DataFrame:
    from applens.report.sections._util import columns
    from applens.report.sections.health import crash_events

    cols = columns(ws, "events")
    has_sessions = "session_id" in cols
    crashes = crash_events(ws)
    unit = "session_id" if has_sessions else "user_id"
    marks = ", ".join("?" * len(crashes))
    sessions = "count(DISTINCT session_id)" if has_sessions else "NULL"
    crash_sql = (f"count(DISTINCT CASE WHEN event IN ({marks}) THEN {unit} END) "
                 f"/ nullif(count(DISTINCT {unit}), 0)") if crashes else "NULL"
    sql = (f"SELECT count(DISTINCT user_id), count(*), {sessions}, {crash_sql}, "
           "(SELECT count(*) FROM (SELECT user_id FROM events GROUP BY user_id "
           " HAVING min(ts) >= ? AND min(ts) < ?)) "
           "FROM events WHERE ts >= ? AND ts < ?")
    rows = []
    for day in days:
        start, end = _utc(ws, day), _utc(ws, day + dt.timedelta(days=1))
        dau, events, n_sessions, crash_rate, new = ws.connection.execute(
            sql, [*crashes, start, end, start, end]).fetchall()[0]
        rows.append({"period": day, "dau": dau, "events": events, "new_users": new,
                     "sessions": n_sessions,
                     "crash_rate": None if crash_rate is None else float(crash_rate)})
    frame = pd.DataFrame(rows)
    frame.attrs.update(has_sessions=has_sessions, has_crashes=bool(crashes))
    return frame


LABELS = {"dau": "Daily active users", "events": "Events", "new_users": "New users",
          "sessions": "Sessions", "crash_rate": "Crash rate"}


def _charts(daily: pd.DataFrame, folder: Path) -> list[Path]:
    from applens.charts import save_chart
    from applens.charts.activity import active_users_chart

    paths = [save_chart(active_users_chart(daily[["period", "dau"]],
                                           title=f"DAU, last {WINDOW} days"),
                        folder / "dau-7d.png")]
    keys = [k for k in ("events", "new_users", "sessions", "crash_rate")
            if daily[k].notna().any()]
    tidy = daily.melt(id_vars=["period"], value_vars=keys, var_name="metric")
    tidy["metric"] = tidy["metric"].map(LABELS)
    tidy["period"] = pd.to_datetime(tidy["period"])
    small = alt.Chart(tidy).mark_line(point=True).encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(format="%a %d")),
        y=alt.Y("value:Q", title=None),
    ).properties(width=260, height=110).facet(
        facet=alt.Facet("metric:N", title=None), columns=2,
    ).resolve_scale(y="independent").properties(title=f"Last {WINDOW} days")
    paths.append(save_chart(small, folder / "metrics-7d.png"))
    return paths


def build_digest(ws: Workspace, day: dt.date | None = None, *, save: bool = True) -> Digest:
    """The digest of ``day`` (default: yesterday in the workspace timezone); with ``save``
    the markdown and PNG charts are written to ``<workspace>/digests/<day>/``."""
    if not ws.has_table("events"):
        raise NotFoundError("The workspace has no events yet; run 'applens ingest' first.")
    day = day or ws.yesterday()
    days = [day - dt.timedelta(days=n) for n in range(WINDOW, -1, -1)]  # D-7 .. D
    frame = _daily(ws, days)
    by_day = frame.set_index("period")
    keys = ["dau", "events", "new_users"]
    if frame.attrs["has_sessions"]:
        keys.append("sessions")
    if frame.attrs["has_crashes"]:
        keys.append("crash_rate")

    def value(key: str, when: dt.date) -> float | None:
        raw = by_day.at[when, key]
        return None if raw is None or pd.isna(raw) else float(raw)

    metrics = [Metric(k, LABELS[k], value(k, day), value(k, days[-2]), value(k, days[0]),
                      rate=k == "crash_rate") for k in keys]
    digest = Digest(day, metrics, frame.iloc[1:].reset_index(drop=True),
                    ws.path / "digests" / day.isoformat(), explanation=_explain_dau(ws, day))
    if save:
        write_digest(digest)
    return digest


def _explain_dau(ws: Workspace, day: dt.date) -> str | None:
    """The slice that moved DAU against the same local weekday last week, in one sentence
    (or why no slice can be named); None when either day has no users."""
    try:
        result = explain(ws, "dau", _utc(ws, day), grain="hour", length=24)
    except DataError as exc:
        return None if str(exc).startswith("No data") else f"DAU not explained by slice: {exc}"
    return result.headline("DAU")


def write_digest(digest: Digest) -> Digest:
    digest.folder.mkdir(parents=True, exist_ok=True)
    digest.charts = _charts(digest.daily, digest.folder)
    digest.markdown = digest.folder / "digest.md"
    atomic_write(digest.markdown, digest.body())
    return digest


def send_digest(ws: Workspace, digest: Digest) -> Delivery:
    """Send the digest (text + PNG charts) to the ``[notify]`` channels; raises
    ``AlertDeliveryError`` when a channel fails (the digest stays saved)."""
    from applens.notify import notify_config, send

    config = notify_config(ws.settings.notify)
    if not config.urls:
        raise ConfigError("No notify channels: set [notify] urls in applens.toml or "
                          "APPLENS_NOTIFY_URLS to send the digest.")
    if digest.markdown is None:
        write_digest(digest)
    delivery = send(config.urls, digest.title, digest.body(), digest.charts,
                    retries=config.retries, backoff_seconds=config.backoff_seconds)
    delivery.raise_for_failure()
    return delivery
