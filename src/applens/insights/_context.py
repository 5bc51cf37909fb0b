"""What every insight needs: the tables, the resolved periods and filtered event streams.

Periods are identified by an integer index relative to the first displayed period
(negative for lookback, ``>= len(periods)`` for look-ahead), computed in the engine from
the local wall clock. Keeping an integer (not a timestamp) makes "the previous period"
and "k periods later" plain arithmetic on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from applens.errors import QueryError
from applens.insights import _filters, _where
from applens.insights._time import TimeRange, WeekStart, resolve_range, to_utc
from applens.insights._tz import local_time
from applens.insights.span import _plain, data_span, describe_span
from applens.insights.spec import PropertyFilter

__all__ = ["Context"]

_EPOCH = datetime(1970, 1, 1)
_MARGIN = timedelta(days=400)  # tz offsets are exact this far around the periods used


class Context:
    """Tables + periods + helpers for one query."""

    def __init__(
        self,
        spec: object,
        backend: BaseBackend,
        *,
        timezone: str,
        week_start: WeekStart,
        now: datetime,
        default_from: str | None = "-7d",
        pad: int = 2,
    ) -> None:
        if not _has_events(backend):
            raise QueryError("There is no events table; ingest events first ('applens ingest').")
        self.backend = backend
        self.spec = spec
        self.zone = ZoneInfo(getattr(spec, "timezone", None) or timezone)
        self.week_start: WeekStart = getattr(spec, "week_start", None) or week_start
        self.span = _span(backend)
        self._check_properties()
        anchored = getattr(spec, "now", None) or _anchor(now, self.span)
        try:
            self.range: TimeRange = self._resolve(anchored, default_from)
        except QueryError:
            if anchored is now or getattr(spec, "date_to", None) is not None:
                raise
            anchored = now  # a start after the data's end: count to now (an empty range)
            self.range = self._resolve(anchored, default_from)
        self.pad = pad

    # The tables as Ibis expressions, made on first use: each costs a schema lookup (~5-20
    # ms), and an answer from the rollups reads neither.
    @cached_property
    def events(self) -> ir.Table:
        """The events, with the spec's SQL condition (--where) applied before everything."""
        events = _table(self.backend, "events")
        assert events is not None  # checked in __init__
        return _where.filter_rows(events, getattr(self.spec, "where", None),
                                  "Spec field 'where'")

    @cached_property
    def users(self) -> ir.Table | None:
        return _table(self.backend, "users")

    def _resolve(self, moment: datetime, default_from: str | None) -> TimeRange:
        self.now = moment if moment.tzinfo else moment.replace(tzinfo=self.zone)
        date_from = getattr(self.spec, "date_from", None)
        return resolve_range(
            interval=getattr(self.spec, "interval", "day"),
            zone=self.zone,
            week_start=self.week_start,
            now=self.now,
            date_from=date_from if date_from is not None else default_from,
            date_to=getattr(self.spec, "date_to", None),
            first_event=self._first_event,
        )

    # -- validation ---------------------------------------------------------------------
    def _check_properties(self) -> None:
        spec = self.spec
        for i, f in enumerate(getattr(spec, "properties", [])):
            _filters.check_property(self.events, self.users, f.key, f.type, f"properties.{i}.key")
        for name, selectors in (("steps", getattr(spec, "steps", None)),
                                ("series", getattr(spec, "series", None))):
            for i, sel in enumerate(selectors or []):
                for j, f in enumerate(sel.properties):
                    _filters.check_property(
                        self.events, self.users, f.key, f.type, f"{name}.{i}.properties.{j}.key"
                    )
        for name in ("target", "returning"):
            sel = getattr(spec, name, None)
            for j, f in enumerate(sel.properties if sel else []):
                _filters.check_property(
                    self.events, self.users, f.key, f.type, f"{name}.properties.{j}.key"
                )
        bd = getattr(spec, "breakdown", None)
        if bd is not None:
            _filters.check_property(
                self.events, self.users, bd.property, bd.type, "breakdown.property"
            )

    def _first_event(self) -> datetime | None:
        table = self.events
        event = getattr(self.spec, "event", None)
        if event is not None:
            table = table.filter(table.event == event)
        value = table.ts.min().to_pandas()
        return None if value is None or value != value else value.to_pydatetime()

    def empty_note(self) -> str | None:
        """One sentence when no event at all falls in the displayed periods."""
        lo, hi = self.utc(0), self.utc(self.n_periods)
        if self.span is not None and _any_event(self, lo, hi):
            return None
        last = self.range.shift(self.n_periods) - timedelta(seconds=1)
        return (f"No events between {self.range.start:%Y-%m-%d} and {last:%Y-%m-%d}; "
                f"{describe_span(self.span, self.zone)}.")

    # -- time ---------------------------------------------------------------------------
    @property
    def n_periods(self) -> int:
        return len(self.range.periods)

    def utc(self, i: int) -> datetime:
        """Naive-UTC start of period ``i``."""
        return to_utc(self.range.shift(i), self.zone)

    def local(self, ts: ir.TimestampValue) -> ir.TimestampValue:
        lo = self.utc(-self.pad) - _MARGIN
        hi = self.utc(self.n_periods + self.pad) + _MARGIN
        return local_time(ts, self.zone, lo, hi)

    def period(self, ts: ir.TimestampValue) -> ir.IntegerValue:
        """Index of the calendar period holding ``ts`` (naive UTC), relative to period 0."""
        return self.local_period(self.local(ts))

    def local_period(self, loc: ir.TimestampValue) -> ir.IntegerValue:
        """Index of the calendar period holding the naive local time ``loc``."""
        start = self.range.start
        interval = self.range.interval
        if interval == "month":
            return (loc.year() * 12 + loc.month()) - (start.year * 12 + start.month)
        unit = {"hour": 3600, "day": 86_400, "week": 604_800}[interval]
        # Truncate before taking epoch seconds: engines round fractional seconds.
        secs = loc.truncate("h" if interval == "hour" else "D").epoch_seconds().cast("int64")
        return (secs - int((start - _EPOCH).total_seconds())) // unit

    # -- event streams ------------------------------------------------------------------
    def select(
        self,
        *,
        event: str | None | object = ...,
        properties: Sequence[PropertyFilter] = (),
        first: int | datetime | None = 0,
        last: int | datetime | None = None,
        breakdown: bool = True,
        keep: Sequence[str] = (),
        apply_global: bool = True,
    ) -> ir.Table:
        """Events matching ``event`` and filters, in periods ``[first, last)`` (``None``: open;
        a datetime is a naive-UTC bound).

        Columns: ``user_id``, ``ts``, ``_p`` (period index), ``_bd`` (breakdown label, when
        the spec has one and ``breakdown``) and the ``keep`` columns.
        """
        spec = self.spec
        name = getattr(spec, "event", None) if event is ... else event
        filters = [*(getattr(spec, "properties", []) if apply_global else []), *properties]
        bd = getattr(spec, "breakdown", None) if breakdown else None
        t = self.events
        preds = [t.user_id.notnull()]  # personless events are never counted
        if name is not None:
            preds.append(t.event == name)
        if first is not None:
            preds.append(t.ts >= (first if isinstance(first, datetime) else self.utc(first)))
        if last is not None:
            preds.append(t.ts < (last if isinstance(last, datetime) else self.utc(last)))
        t = t.filter(*preds)
        person_keys = [f.key for f in filters if f.type == "person"]
        if bd is not None and bd.type == "person":
            person_keys.append(bd.property)
        t = _filters.attach_person(t, self.users, person_keys)
        event_filters = [_filters.predicate(t, f) for f in filters]
        if event_filters:
            t = t.filter(*event_filters)
        columns: dict[str, ir.Value] = {"user_id": t.user_id, "ts": t.ts, "_p": self.period(t.ts)}
        if bd is not None:
            columns["_bd"] = _filters.breakdown_value(t, bd)
        for name_ in keep:
            columns[name_] = t[name_]
        return t.select(**columns)

    def limit_breakdown(self, table: ir.Table, weight: ir.Scalar | None = None) -> ir.Table:
        """Fold all but the top ``breakdown_limit`` values of ``_bd`` into ``Other``."""
        if "_bd" not in table.columns:
            return table
        top, more = _filters.top_values(table, "_bd", weight, self.spec.breakdown_limit)  # type: ignore[attr-defined]
        if not more:
            return table
        return table.mutate(_bd=_filters.fold_other(table._bd, top))


def _any_event(ctx: Context, lo: datetime, hi: datetime) -> bool:
    """Whether an event (of the spec's ``where``) falls in ``[lo, hi)``. Without ``where``
    the data's first or last event inside answers without a query (the usual case: a
    range over the data), and DuckDB gets plain SQL (no Ibis compile)."""
    con = _con(ctx.backend)
    if not getattr(ctx.spec, "where", None) and ctx.span is not None:
        first, last = ctx.span
        if lo <= first < hi or lo <= last < hi:
            return True
        if last < lo or first >= hi:
            return False
        if con is not None:
            return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM events WHERE ts >= ? "
                                    "AND ts < ? LIMIT 1)", [lo, hi]).fetchall()[0][0])
    t = ctx.events
    return bool(t.filter((t.ts >= lo) & (t.ts < hi)).limit(1).count().to_pandas() > 0)


def _con(backend: BaseBackend) -> Any:
    """The DuckDB connection under ``backend`` (None on other engines): the span and the
    empty-range check go to it as plain SQL, skipping Ibis's compile (~20 ms each)."""
    return getattr(backend, "con", None) if getattr(backend, "name", None) == "duckdb" else None


def _has_events(backend: BaseBackend) -> bool:
    con = _con(backend)
    if con is None:
        return _table(backend, "events") is not None
    try:
        con.execute("SELECT 1 FROM events LIMIT 0")
    except Exception:  # duckdb.CatalogException; any failure: no usable table
        return False
    return True


def _span(backend: BaseBackend) -> tuple[datetime, datetime] | None:
    """``span.data_span``: on DuckDB one plain query (min/max of ts, ~2 ms at 10M events)."""
    con = _con(backend)
    if con is None:
        return data_span(backend)
    lo, hi = con.execute("SELECT min(ts), max(ts) FROM events").fetchall()[0]
    return None if lo is None else (_plain(lo), _plain(hi))


def _anchor(now: datetime, span: tuple[datetime, datetime] | None) -> datetime:
    """Relative dates count back from the last event when the data ends before ``now``
    (historical data), else from ``now``."""
    if span is None:
        return now
    last = span[1].replace(tzinfo=UTC)
    return last if now.tzinfo is not None and last < now else now


def _table(backend: BaseBackend, name: str) -> ir.Table | None:
    # Not list_tables(): ibis 12's DuckDB list_tables breaks on duckdb 2.0 (fetch_arrow_table).
    try:
        return backend.table(name)
    except Exception:  # each engine raises its own "no such table"
        return None

