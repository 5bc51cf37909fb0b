"""Behaviour features per user and per session, aggregated in the warehouse with Ibis.

One definition serves training and prediction: everything is computed *as of* a cutoff from
events strictly before it, so a label measured after the cutoff can never leak in. Only the
aggregated result (one row per user or session) reaches pandas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd
from text_unidecode import unidecode

from applens.errors import InsufficientDataError
from applens.insights._tz import local_time
from applens.models._options import FeatureOptions
from applens.workspace import Workspace

__all__ = [
    "CATEGORICAL",
    "FeatureSet",
    "common_events",
    "data_span",
    "event_columns",
    "feature_cache",
    "session_features",
    "user_features",
]

CATEGORICAL = ("os", "source", "app_version", "device", "gender")
DAY_S = 86_400.0


@dataclass(frozen=True)
class FeatureSet:
    """A feature frame (index = entity id) and which of its columns are categorical."""

    frame: pd.DataFrame
    numeric: list[str]
    categorical: list[str]

    @property
    def columns(self) -> list[str]:
        return self.numeric + self.categorical

    def observed(self) -> FeatureSet:
        """Only the columns with at least one value: a feature the data never fills (no IPs,
        no view events) carries nothing to learn, and imputers and centroids drop it."""
        keep = [c for c in self.columns if self.frame[c].notna().any()]
        return FeatureSet(self.frame[keep], [c for c in self.numeric if c in keep],
                          [c for c in self.categorical if c in keep])

    def like(self, other: FeatureSet) -> FeatureSet:
        """The columns of ``other`` (a validation slice shaped as its training slice)."""
        return FeatureSet(self.frame[other.columns], list(other.numeric),
                          list(other.categorical))

    def schema(self) -> list[dict[str, str]]:
        return [{"name": c, "dtype": "category" if c in self.categorical else "float64"}
                for c in self.columns]


def _slug(event: str) -> str:
    """ASCII words of an event name: 'Открыть экран' -> 'otkryt_ekran', '購入' -> 'gou_ru'."""
    return re.sub(r"[^0-9a-z]+", "_", unidecode(str(event)).lower()).strip("_") or "event"


_FIXED_COUNTS = ("n_events", "n_crashes", "n_views", "n_clicks")


def event_columns(event_kinds: list[str]) -> dict[str, str]:
    """A distinct count column per event name: its slug, suffixed ``_2``, ``_3`` … where two
    names read alike ('Open screen', 'open_screen') or one reads as a fixed column."""
    taken, out = set(_FIXED_COUNTS), {}
    for event in event_kinds:
        base = name = f"n_{_slug(event)}"
        number = 1
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name)
        out[event] = name
    return out


def data_span(ws: Workspace) -> tuple[datetime, datetime]:
    """First and last event timestamps (naive UTC)."""
    events = ws.table("events")
    row = events.aggregate(lo=events.ts.min(), hi=events.ts.max()).to_pyarrow().to_pylist()[0]
    if row["lo"] is None:
        raise InsufficientDataError("The events table is empty. Load data with 'applens ingest'.")
    return row["lo"], row["hi"]


def common_events(ws: Workspace, cutoff: datetime, opts: FeatureOptions) -> list[str]:
    """The most frequent event names before ``cutoff``: the per-event count columns."""
    events = ws.table("events")
    recent = events.filter(
        (events.ts < cutoff) & (events.ts >= cutoff - timedelta(days=opts.lookback_days))
    )
    top = recent.group_by("event").agg(n=recent.count()).order_by([ibis.desc("n"), "event"])
    return [r["event"] for r in top.limit(opts.max_event_kinds).to_pyarrow().to_pylist()]


def _has(table: ir.Table, column: str) -> bool:
    return column in table.columns


_CACHE: ContextVar[dict[tuple, FeatureSet] | None] = ContextVar("feature_cache", default=None)


@contextmanager
def feature_cache() -> Iterator[None]:
    """Within this block, identical user_features calls are computed once (several models
    trained or scored together share the same users at the same cutoff)."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def user_features(ws: Workspace, cutoff: datetime, opts: FeatureOptions,
                  event_kinds: list[str]) -> FeatureSet:
    """One row per user active in ``[cutoff - lookback, cutoff)``; nothing at or after cutoff."""
    cache = _CACHE.get()
    base = FeatureOptions(**{k: getattr(opts, k) for k in FeatureOptions.model_fields})
    key = (str(ws.path), cutoff, base, tuple(event_kinds))
    if cache is not None and key in cache:
        hit = cache[key]
        return FeatureSet(hit.frame.copy(), list(hit.numeric), list(hit.categorical))
    result = _user_features(ws, cutoff, base, event_kinds)
    if cache is not None:
        cache[key] = result
    return FeatureSet(result.frame.copy(), list(result.numeric), list(result.categorical))


def _user_features(ws: Workspace, cutoff: datetime, opts: FeatureOptions,
                   event_kinds: list[str]) -> FeatureSet:
    events = ws.table("events")
    start = cutoff - timedelta(days=opts.lookback_days)
    win = events.filter((events.ts >= start) & (events.ts < cutoff))
    zone = ZoneInfo(ws.settings.timezone)
    hour = local_time(win.ts, zone, start - timedelta(days=1), cutoff + timedelta(days=1)).hour()
    seconds = win.ts.epoch_seconds()
    aggs: dict[str, ir.Value] = {
        "n_events": win.count(),
        "active_days": win.ts.date().nunique(),
        "last_s": seconds.max(),
        "first_s": seconds.min(),
        "night_share": (hour < 6).cast("float64").mean(),
        "morning_share": ((hour >= 6) & (hour < 12)).cast("float64").mean(),
        "afternoon_share": ((hour >= 12) & (hour < 18)).cast("float64").mean(),
        "evening_share": (hour >= 18).cast("float64").mean(),
    }
    for event, column in event_columns(event_kinds).items():
        if event == opts.crash_event:
            continue  # counted once, as n_crashes
        aggs[column] = (win.event == event).cast("int64").sum()
    aggs["n_crashes"] = (win.event == opts.crash_event).cast("int64").sum()
    aggs["n_views"] = (win.event == opts.view_event).cast("int64").sum()
    aggs["n_clicks"] = (win.event == opts.click_event).cast("int64").sum()
    if _has(win, "receiver_id"):
        aggs["messages_sent"] = win.receiver_id.notnull().cast("int64").sum()
        aggs["distinct_receivers"] = win.receiver_id.nunique()
    if _has(win, "ip"):
        aggs["distinct_ips"] = win.ip.nunique()
    if _has(win, "session_id"):
        aggs["sessions"] = win.session_id.nunique()
    categorical = [c for c in CATEGORICAL if _has(win, c) and c != "gender"]
    for column in categorical:  # the latest value: what the user runs now
        aggs[column] = win[column].argmax(win.ts)
    result = win.group_by("user_id").aggregate(**aggs)

    result = _join(result, _regularity(win), ["gap_mean_s", "gap_cv"])
    if _has(win, "session_id"):
        result = _join(result, _session_shape(win), ["session_seconds", "events_per_session"])
    if _has(win, "receiver_id"):
        received = win.filter(win.receiver_id.notnull())
        received = received.group_by(user_id=received.receiver_id).agg(
            messages_received=received.count())
        result = _join(result, received, ["messages_received"])
    if _has(win, "ip"):
        result = _join(result, _users_per_ip(win), ["max_users_per_ip"])
    history = events.filter(events.ts < cutoff)
    history = history.group_by("user_id").agg(
        first_seen_s=history.ts.epoch_seconds().min(),
        crashes_before=(history.event == opts.crash_event).cast("int64").sum(),
    )
    result = _join(result, history, ["first_seen_s", "crashes_before"])
    person = _person(ws, cutoff)
    if person is not None:
        extra = [c for c in person.columns if c != "user_id"]
        result = _join(result, person, extra)
        categorical += [c for c in extra if c in CATEGORICAL and c not in categorical]
    frame = result.to_pandas().set_index("user_id").sort_index()
    return _derive(frame, cutoff, categorical)


def _join(left: ir.Table, right: ir.Table, columns: list[str]) -> ir.Table:
    right = right.select("user_id", *columns).rename(_uid="user_id")
    joined = left.left_join(right, left.user_id == right._uid)
    return joined.drop("_uid")


def _regularity(win: ir.Table) -> ir.Table:
    """Mean and coefficient of variation of the gaps between a user's events (bots: tiny CV)."""
    order = ibis.window(group_by="user_id", order_by="ts")
    gaps = win.select("user_id", gap=win.ts.delta(win.ts.lag().over(order), unit="millisecond"))
    gaps = gaps.filter(gaps.gap.notnull()).mutate(gap=gaps.gap.cast("float64") / 1000.0)
    agg = gaps.group_by("user_id").agg(gap_mean_s=gaps.gap.mean(), gap_std=gaps.gap.std())
    return agg.mutate(gap_cv=ibis.ifelse(agg.gap_mean_s > 0, agg.gap_std / agg.gap_mean_s, None))


def _session_shape(win: ir.Table) -> ir.Table:
    per = win.group_by("user_id", "session_id").agg(
        length=win.ts.max().delta(win.ts.min(), unit="millisecond").cast("float64") / 1000.0,
        n=win.count(),
    )
    return per.group_by("user_id").agg(session_seconds=per.length.mean(),
                                       events_per_session=per.n.mean())


def _users_per_ip(win: ir.Table) -> ir.Table:
    pairs = win.filter(win.ip.notnull()).select("user_id", "ip").distinct()
    crowd = pairs.group_by("ip").agg(ip_users=pairs.user_id.nunique()).rename(_ip="ip")
    joined = pairs.join(crowd, pairs.ip == crowd._ip)
    return joined.group_by("user_id").agg(max_users_per_ip=joined.ip_users.max())


def _person(ws: Workspace, cutoff: datetime) -> ir.Table | None:
    """Person properties known at the cutoff (age, gender, source, signup time)."""
    if not ws.has_table("users"):
        return None
    users = ws.table("users")
    keep = [c for c in ("age", "gender", "source") if c in users.columns]
    cols: dict[str, ir.Value] = {c: users[c] for c in keep}
    if "age" in cols:
        cols["age"] = users.age.cast("float64")
    if "source" in cols:
        cols["signup_source"] = cols.pop("source")
    if "created_at" in users.columns:
        created = ibis.ifelse(users.created_at < cutoff, users.created_at.epoch_seconds(), None)
        cols["created_s"] = created
    if not cols:
        return None
    return users.group_by("user_id").agg(**{k: v.max() for k, v in cols.items()})


def _derive(frame: pd.DataFrame, cutoff: datetime, categorical: list[str]) -> FeatureSet:
    """Rates and ages from the aggregated counts (cheap: one row per user)."""
    cut_s = pd.Timestamp(cutoff).timestamp()
    out = frame.copy()
    out["recency_days"] = (cut_s - out.pop("last_s")) / DAY_S
    out["span_days"] = (cut_s - out.pop("first_s")) / DAY_S
    first_seen = out.pop("first_seen_s")
    if "created_s" in out:
        first_seen = out.pop("created_s").fillna(first_seen).combine(first_seen, min)
    out["tenure_days"] = (cut_s - first_seen) / DAY_S
    out["events_per_day"] = out["n_events"] / out["active_days"]
    views = out.pop("n_views")
    out["ctr"] = (out.pop("n_clicks") / views).where(views > 0)
    if "sessions" in out:
        out["crashes_per_session"] = out["n_crashes"] / out["sessions"].where(out["sessions"] > 0)
    if "messages_sent" in out:
        out["message_share"] = out["messages_sent"] / out["n_events"]
    if "signup_source" in out:
        out["source"] = out.pop("signup_source").fillna(out.get("source"))
        if "source" not in categorical:
            categorical.append("source")
    out = out.drop(columns=["gap_std"], errors="ignore")
    for column in ("messages_received",):
        if column in out:
            out[column] = out[column].fillna(0.0)
    categorical = [c for c in dict.fromkeys(categorical) if c in out]
    numeric = sorted(c for c in out.columns if c not in categorical)
    for column in numeric:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in categorical:
        out[column] = out[column].astype("object").where(out[column].notna(), None)
    return FeatureSet(out[numeric + categorical], numeric, categorical)


def session_features(ws: Workspace, start: datetime, end: datetime, opts: FeatureOptions,
                     event_kinds: list[str]) -> tuple[FeatureSet, pd.Series]:
    """Sessions starting in ``[start, end)``: what is known when they start, and whether each
    one ended in a crash (the label; never a feature).

    A session's features are its app_version/os/device, its local start hour and weekday,
    and its user's behaviour *before* ``start`` (the user-level features as of ``start``).
    """
    events = ws.table("events")
    if not _has(events, "session_id"):
        raise InsufficientDataError(
            "The events table has no session_id column; re-ingest so sessions are derived.")
    zone = ZoneInfo(ws.settings.timezone)
    first = events.filter((events.ts >= start) & (events.ts < end + timedelta(days=1)))
    aggs: dict[str, ir.Value] = {
        "user_id": first.user_id.argmin(first.ts),
        "started": first.ts.min(),
        "crashed": (first.event == opts.crash_event).cast("int64").max(),
    }
    for column in ("app_version", "os", "device"):
        if _has(first, column):
            aggs[column] = first[column].argmin(first.ts)
    sessions = first.filter(first.session_id.notnull()).group_by("session_id").agg(**aggs)
    sessions = sessions.filter((sessions.started >= start) & (sessions.started < end))
    local = local_time(sessions.started, zone, start - timedelta(days=1), end + timedelta(days=2))
    sessions = sessions.mutate(start_hour=local.hour().cast("float64"),
                               weekday=local.day_of_week.index().cast("float64"))
    frame = sessions.to_pandas().set_index("session_id").sort_index()
    label = frame.pop("crashed").astype("int64")
    frame = frame.drop(columns=["started"])
    users = user_features(ws, start, opts, event_kinds)
    history = users.frame[users.numeric].add_prefix("user_")
    # object keys: pandas cannot join two empty Arrow-backed string keys (no sessions yet)
    history.index = history.index.astype(object)
    frame["user_id"] = frame["user_id"].astype(object)
    frame = frame.join(history, on="user_id").drop(columns=["user_id"])
    categorical = [c for c in ("app_version", "os", "device") if c in frame]
    numeric = sorted(c for c in frame.columns if c not in categorical)
    for column in numeric:
        frame[column] = frame[column].astype("float64")
    for column in categorical:
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return FeatureSet(frame[numeric + categorical], numeric, categorical), label
