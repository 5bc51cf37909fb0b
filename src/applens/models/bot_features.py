"""Behaviour of each user or IP address, aggregated in the warehouse with Ibis.

One row per entity, small enough for pandas; raw events never leave the warehouse. Columns
that need an optional events column (``path``, ``referrer``, ``status``, ``user_agent``,
``ip``) are computed when it exists and are NaN otherwise, so the frame always has the same
columns (see ``FEATURES``).

Times are the stored UTC instants: "night" is 00:00-06:00 UTC.
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from applens._rhythm import pause_stats
from applens.errors import InvalidParameterError, SchemaError

__all__ = ["ASSET_PATTERN", "FEATURES", "UA_BOT_PATTERN", "MAX_BATCHED", "batched_share",
           "bot_features"]

Entity = Literal["user", "ip"]
KEYS: dict[str, str] = {"user": "user_id", "ip": "ip"}

# Files a browser fetches by itself while showing a page; crawlers mostly skip them.
ASSET_PATTERN = r"(?i)\.(png|jpe?g|gif|webp|svg|ico|css|js|woff2?|ttf|eot|map)([?#].*)?$"
# Clients that say they are programs (the user-agent rule and the evaluation labels).
# libwww-perl, not libwww: Lynx, a person's text browser, names its libwww-FM.
UA_BOT_PATTERN = (r"(?i)(bot|crawl|spider|slurp|python|curl|wget|fetch|java/|scrapy|headless"
                  r"|http-client|libwww-perl|go-http|okhttp|phantomjs)")
SESSION_GAP_S = 1800  # default pause that starts a new visit; the workspace says its own

FEATURES: dict[str, str] = {
    "events": "events (requests) in the window",
    "active_days": "calendar days (UTC) with activity",
    "events_per_day": "events per active day",
    "pages_per_day": "page requests (no images/CSS/JS) per active day",
    "rate_per_minute": "page requests per active minute",
    "gap_cv": "coefficient of variation of the pauses between pages within visits",
    "regular_share": "share of those pauses within 10% of their median (1 = metronome)",
    "median_gap_s": "median pause between pages within visits, seconds",
    "night_share": "share of events between 00:00 and 06:00 UTC",
    "distinct_paths": "distinct paths (or screens, or event names)",
    "sessions": "visits (sessions)",
    "events_per_session": "events per visit",
    "users_per_ip": "accounts behind the entity's busiest IP address",
    "error_share": "share of requests answered 4xx/5xx",
    "no_referrer_share": "share of requests without a referrer",
    "asset_share": "share of requests for images, CSS or JS",
    "robots_hits": "requests for /robots.txt",
    "ua_bot_share": "share of requests whose user agent declares a program (rules only)",
}


MAX_BATCHED = 0.5  # above this share of zero pauses, rhythm and rate say nothing


def batched_share(events: ir.Table) -> float:
    """How batched the data is: the median, over users, of the share of their consecutive
    events that share one timestamp (0 when there are no pauses). High for order lines or
    batched uploads, where rhythm and rate say nothing about who acted; low for logs, even
    where one scraper sends many requests a second."""
    window = ibis.window(group_by=events.user_id, order_by=events.ts)
    gap = events.ts.epoch_seconds() - events.ts.lag().over(window).epoch_seconds()
    gaps = events.select("user_id", _gap=gap)
    gaps = gaps.filter(gaps._gap.notnull())
    per_user = gaps.group_by("user_id").aggregate(zero=(gaps._gap == 0).cast("float64").mean())
    value = per_user.zero.median().to_pyarrow().as_py()
    return float(value) if value is not None else 0.0


def _require(events: ir.Table, entity: str) -> str:
    if entity not in KEYS:
        raise InvalidParameterError(
            "The 'entity' parameter of bot_features must be 'user' or 'ip'. "
            f"Got {entity!r} instead.")
    key = KEYS[entity]
    missing = [c for c in ("ts", key) if c not in events.columns]
    if missing:
        raise SchemaError(
            f"bot features per {entity} need the events column(s) {', '.join(missing)}; the "
            f"table has {', '.join(events.columns)}. Ingest a source with them (web logs: "
            "'applens ingest FILE --preset combined-log')."
        )
    return key


def _rows(events: ir.Table, key: str, session_gap_s: float) -> ir.Table:
    """Per-event flags and the pause since the entity's previous event."""
    t = events.filter(events[key].notnull() & (events[key].cast("string") != ""))
    cols = set(t.columns)
    page_key = ibis.coalesce(*[t[c] for c in ("path", "screen", "event") if c in cols])
    flags: dict[str, ir.Value] = {
        "_id": t[key].cast("string"),
        "_page_key": page_key.cast("string"),
        "_night": (t.ts.hour() < 6).cast("float64"),
        "_day": t.ts.date(),
        "_minute": t.ts.truncate("m"),
        "_asset": (t.path.re_search(ASSET_PATTERN).fill_null(False) if "path" in cols
                   else ibis.literal(False)).cast("float64"),
    }
    if "path" in cols:
        flags["_robots"] = (t.path == "/robots.txt").fill_null(False).cast("float64")
    if "referrer" in cols:
        flags["_noref"] = (t.referrer.isnull() | (t.referrer.cast("string").strip() == "")
                           ).cast("float64")
    if "status" in cols:
        flags["_error"] = (t.status.cast("float64") >= 400).fill_null(False).cast("float64")
    if "user_agent" in cols:
        flags["_ua_bot"] = t.user_agent.cast("string").re_search(UA_BOT_PATTERN).fill_null(
            False).cast("float64")
    if "session_id" in cols:
        flags["_session"] = t.session_id.cast("string")
    window = ibis.window(group_by=t[key], order_by=t.ts)
    gap = t.ts.epoch_seconds() - t.ts.lag().over(window).epoch_seconds()
    flags["_new_visit"] = (gap.isnull() | (gap > session_gap_s)).cast("float64")
    flags["_ts"] = t.ts
    return t.select(**({"_user": t.user_id.cast("string")} if "user_id" in cols else {}),
                    **({"_ip": t.ip.cast("string")} if "ip" in cols else {}), **flags)


def _rhythm(rows: ir.Table, session_gap_s: float) -> ir.Table:
    """Pauses between page requests within a visit: their spread and how many repeat.

    Assets are left out (a browser fetches them in bursts) and so are pauses longer than a
    visit. A script that acts every N seconds has most pauses at its median; people do not.
    """
    pages = rows.filter(rows._asset == 0)
    return pause_stats(pages, key="_id", ts="_ts", max_gap_s=session_gap_s)


def _aggregate(rows: ir.Table) -> ir.Table:
    cols = set(rows.columns)
    page = 1.0 - rows._asset
    metrics: dict[str, ir.Value] = {
        "events": rows.count(),
        "active_days": rows._day.nunique(),
        "active_minutes": rows._minute.nunique(),
        "pages": page.sum(),
        "night_share": rows._night.mean(),
        "distinct_paths": rows._page_key.nunique(),
        "sessions": (rows._session.nunique() if "_session" in cols else rows._new_visit.sum()),
        "asset_share": rows._asset.mean(),
    }
    optional = (("_robots", "robots_hits", "sum"), ("_noref", "no_referrer_share", "mean"),
                ("_error", "error_share", "mean"), ("_ua_bot", "ua_bot_share", "mean"))
    for flag, name, how in optional:
        if flag in cols:
            metrics[name] = getattr(rows[flag], how)()
    return rows.group_by("_id").aggregate(**metrics)


def _users_per_ip(rows: ir.Table, key: str) -> ir.Table | None:
    """Accounts seen on an address; for users, the most crowded address they used."""
    if "_ip" not in rows.columns or "_user" not in rows.columns:
        return None
    per_ip = rows.filter(rows._ip.notnull()).group_by("_ip").aggregate(
        users_per_ip=rows._user.nunique())
    if key == "ip":
        return per_ip.rename(_id="_ip")
    pairs = rows.filter(rows._ip.notnull()).select("_user", "_ip").distinct()
    joined = pairs.join(per_ip, "_ip")
    return joined.group_by(_id=joined._user).aggregate(users_per_ip=joined.users_per_ip.max())


def bot_features(events: ir.Table, *, entity: Entity,
                 session_gap_s: float = SESSION_GAP_S) -> pd.DataFrame:
    """Behaviour features per user (``entity="user"``) or IP address (``entity="ip"``).

    Parameters
    ----------
    events : ibis.Table
        The canonical events table (``ws.table("events")``), possibly filtered.
    entity : "user" or "ip"
    session_gap_s : float
        A longer pause starts a new visit (pass the workspace's ``session_gap_minutes``).

    Returns
    -------
    pandas.DataFrame
        Indexed by the entity id (index name ``user_id`` or ``ip``), one column per
        ``FEATURES`` entry, sorted by id.

    Examples
    --------
    >>> feats = bot_features(ws.table("events"), entity="ip")  # doctest: +SKIP
    >>> feats.loc["66.249.73.135", "robots_hits"]               # doctest: +SKIP
    """
    key = _require(events, entity)
    rows = _rows(events, key, session_gap_s)
    agg = _aggregate(rows).left_join(_rhythm(rows, session_gap_s), "_id").drop("_id_right")
    crowd = _users_per_ip(rows, key)
    if crowd is not None:
        agg = agg.left_join(crowd, "_id").drop("_id_right")
    frame = agg.execute().set_index("_id").sort_index()
    return _finish(frame, key)


def _finish(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    days = frame["active_days"].clip(lower=1)
    frame["events_per_day"] = frame["events"] / days
    frame["pages_per_day"] = frame["pages"] / days
    frame["rate_per_minute"] = frame["pages"] / frame["active_minutes"].clip(lower=1)
    # With fewer than 3 pauses there is no rhythm to judge.
    cv = frame["gap_std"] / frame["gap_mean"].where(frame["gap_mean"] > 0)
    frame["gap_cv"] = cv.where(frame["n_gaps"] >= 3)
    frame["median_gap_s"] = frame["median_gap_s"].where(frame["n_gaps"] >= 3)
    frame["regular_share"] = frame["regular_share"].where(frame["n_gaps"] >= 3)
    frame["sessions"] = frame["sessions"].clip(lower=1)
    frame["events_per_session"] = frame["events"] / frame["sessions"]
    out = pd.DataFrame(index=frame.index, columns=list(FEATURES), dtype="float64")
    for name in FEATURES:
        if name in frame:
            out[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    out.index.name = key
    return out
