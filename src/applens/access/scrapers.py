"""Question 5: scraping and shared accounts, ranked with reason and evidence window.

Definition, per account (``user_id``) and per IP address, over the range (every request,
staff included; assets left out):

* ``burst``: the most content requests within any ``burst_seconds`` (default 20 s); flagged at
  ``burst_pages`` (default 60) or more. The evidence window is those seconds, with the
  distinct items read in them.
* ``no think time``: the bot model's rhythm rule (``applens._rhythm.is_regular`` on the
  ``models.bot_features`` features: most pauses within 10% of their median) or a median pause
  under 2 s over at least 30 pages.
* ``many IPs``: an account seen from ``max_ips_per_day`` (default 8) or more addresses in one
  day; ``many accounts``: an address used by ``max_accounts_per_ip`` (default 30) or more
  accounts (campus networks do this too: it is evidence, not a verdict).

The pauses are judged by the bot model's own rhythm rule (``_rhythm.pause_stats_sql`` and
``is_regular``, on the pauses from the burst's own window pass, for every entity) and the
flagged ones are shown with the bot model's features (``models.bot_features``: pages per
active minute, distinct paths, requests, active days), computed for them only; nothing here
is a second detector. Rows are ranked by the number of reasons, then the burst, the pages and
the id (so ties never reorder between runs). An optional ``places`` CSV (``ip`` plus any
of ``city``, ``region``, ``country``) adds where each IP is, read locally.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from applens._rhythm import MIN_EVENTS, MIN_GAPS, is_regular, pause_stats_sql
from applens.access._base import AccessData, Answer, most_common
from applens.errors import ConfigError, InvalidParameterError
from applens.formatting import cell, count, number
from applens.models.bot_features import bot_features

__all__ = ["read_places", "scrapers"]

FAST_GAP_S = 2.0
# The rows of a few entities, filtered on the events scan itself (before any join).
_ONLY = "CAST({key} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))"
_FLAGGED = "_acc_flagged"


def read_places(path: str | Path) -> pd.DataFrame:
    """An ``ip -> place`` table from a CSV the user supplies (no network, nothing bundled)."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the places file {path}: {exc}.") from None
    if "ip" not in frame.columns:
        raise ConfigError(f"The places file {path} needs an 'ip' column; it has "
                          f"{', '.join(frame.columns)}.")
    keep = [c for c in ("city", "region", "country") if c in frame.columns]
    frame = frame.drop_duplicates("ip").set_index("ip")[keep]
    return frame.assign(place=frame.fillna("").apply(
        lambda r: ", ".join(v for v in r if v), axis=1))[["place"]]


def _screen(data: AccessData, key: str, start: datetime | None, end: datetime | None,
            session_gap_s: float) -> pd.DataFrame:
    """Per entity, cheaply and for all of them: pages, the burst and its end, the peak per
    minute, accounts per IP (busiest IP for an account), IPs per day, and the pause statistics
    of the shared rhythm rule (``_rhythm.pause_stats_sql``) over the content requests."""

    seconds = int(data.options.burst_seconds)
    where, params = data.where(start, end)
    aliased, _ = data.where(start, end, alias="e")  # the same bounds, on events e
    # Content requests straight from events and the path table (no cohort needed here).
    pages = (f"SELECT CAST(e.{key} AS VARCHAR) AS id, e.ts FROM events e JOIN _acc_paths p ON "
             f"p.path = e.path WHERE {aliased} AND p.content IS NOT NULL "
             f"AND e.{key} IS NOT NULL")
    # One window pass yields both the burst and the pauses; the rhythm rule's statistics
    # (``_rhythm.pause_stats_sql``, the bot model's own) read those pauses, not the rows again.
    rhythm, share = pause_stats_sql("gap", max_gap_s=session_gap_s)
    frame = data.df(
        f"WITH p AS ({pages}), w AS (SELECT id, ts, count(*) OVER (PARTITION BY id ORDER BY ts "
        f"RANGE BETWEEN INTERVAL {seconds} SECOND PRECEDING AND CURRENT ROW) AS n, "
        "CAST(epoch(ts) - epoch(lag(ts) OVER (PARTITION BY id ORDER BY ts)) AS DOUBLE) AS gap "
        "FROM p), a AS (SELECT id, count(*) AS pages, max(n) AS burst, "
        # ties: the earliest of the busiest windows, so the evidence never changes between runs
        f"arg_max(ts, (n, -epoch_us(ts))) AS burst_end, {rhythm} FROM w GROUP BY 1) "
        f"SELECT * EXCLUDE (_gaps), {share} FROM a", params).set_index("id")
    crowd = data.df(
        "WITH pairs AS (SELECT DISTINCT CAST(user_id AS VARCHAR) AS user_id, CAST(ip AS "
        f"VARCHAR) AS ip FROM events WHERE {where} AND ip IS NOT NULL AND user_id IS NOT NULL), "
        "per_ip AS (SELECT ip, count(*) AS users_per_ip "
        "FROM pairs GROUP BY 1) " + (
            "SELECT ip AS id, users_per_ip FROM per_ip" if key == "ip" else
            "SELECT user_id AS id, max(users_per_ip) AS users_per_ip, count(*) AS ips FROM "
            "pairs JOIN per_ip USING (ip) GROUP BY 1"), params).set_index("id")
    if key == "user_id":
        # Only an account seen from max_ips_per_day addresses in all can reach that many in
        # one day: the per-day count (a group per account and day) runs for those alone.
        many = crowd.index[crowd.pop("ips") >= data.options.max_ips_per_day].tolist()
        frame = frame.join(crowd, how="left").join(ips_per_day(data, many, start, end),
                                                   how="left")
    else:
        frame = frame.join(crowd, how="left")
    return frame


def ips_per_day(data: AccessData, ids: list[str], start: datetime | None,
                end: datetime | None, table: str = "events") -> pd.DataFrame:
    """Per account of ``ids``: the most addresses it used in one day, and that day."""
    if not ids:
        return pd.DataFrame({"ips_per_day": pd.Series(dtype="int64"),
                             "ip_day": pd.Series(dtype="object")}, index=pd.Index([], name="id"))
    where, params = data.where(start, end)
    return data.df(
        # ties: the earliest of the days with the most addresses
        "SELECT user_id AS id, max(k) AS ips_per_day, arg_max(day, (k, -epoch(day))) AS ip_day "
        "FROM (SELECT "
        "CAST(user_id AS VARCHAR) AS user_id, CAST(ts AS DATE) AS day, count(DISTINCT ip) AS k "
        f"FROM {table} WHERE {where} AND CAST(user_id AS VARCHAR) IN (SELECT "
        "unnest(?::VARCHAR[])) GROUP BY ALL) GROUP BY 1", [*params, ids]).set_index("id")


def _peak_per_minute(data: AccessData, key: str) -> dict[str, int]:
    """The most content requests in any 60 seconds, for the flagged entities only."""
    return data.df(
        f"SELECT id, max(n) AS peak_per_minute FROM (SELECT {key} AS id, count(*) OVER "
        f"(PARTITION BY {key} ORDER BY ts RANGE BETWEEN INTERVAL 59 SECOND PRECEDING AND "
        f"CURRENT ROW) AS n FROM {data.events_where('true', table=_FLAGGED)} x WHERE "
        "content IS NOT NULL) GROUP BY 1").set_index("id")["peak_per_minute"].to_dict()


def _evidence(data: AccessData, key: str, ids: list[str], session_gap_s: float
              ) -> pd.DataFrame:
    """The bot model's features (``models.bot_features``) of the flagged entities only."""
    import ibis

    columns = ["rate_per_minute", "distinct_paths", "events", "active_days"]
    if not ids:
        return pd.DataFrame(columns=columns)
    events = ibis.duckdb.from_connection(data.con).table(_FLAGGED)
    feats = bot_features(events, entity="user" if key == "user_id" else "ip",
                         session_gap_s=session_gap_s)
    feats.index = feats.index.astype(str)
    return feats[columns]


def scrapers(data: AccessData, *, entity: Literal["user", "ip"] = "user",
             start: datetime | None = None, end: datetime | None = None, n: int = 20,
             places: pd.DataFrame | None = None, session_gap_s: float = 1800.0) -> Answer:
    """Question 5 (see the module docstring)."""
    if entity not in ("user", "ip"):
        raise InvalidParameterError(f"--by must be user or ip; got {entity!r}.")
    key = "user_id" if entity == "user" else "ip"
    frame = _screen(data, key, start, end, session_gap_s)
    frame.index = frame.index.astype(str)
    frame["median_gap_s"] = frame["median_gap_s"].where(frame["n_gaps"] >= MIN_GAPS)
    frame["regular_share"] = frame["regular_share"].where(frame["n_gaps"] >= MIN_GAPS)
    frame["events"] = frame["pages"]
    opts = data.options
    seconds = int(opts.burst_seconds)
    burst = frame["burst"] >= opts.burst_pages
    regular = is_regular(frame["regular_share"], frame["events"]).fillna(False).astype(bool)
    fast = (frame["median_gap_s"] < FAST_GAP_S) & (frame["events"] >= MIN_EVENTS)
    many_ips = (frame["ips_per_day"] >= opts.max_ips_per_day) if entity == "user" else \
        pd.Series(False, index=frame.index)
    crowded = frame["users_per_ip"] >= opts.max_accounts_per_ip
    # The rules on whole columns; the sentences only for the rows shown (few).
    frame["n_reasons"] = (burst.astype(int) + (regular | fast).astype(int)
                          + many_ips.astype(int) + crowded.astype(int))
    flagged = frame[frame["n_reasons"] > 0].copy()
    flagged["burst"] = flagged["burst"].fillna(0)
    flagged = flagged.rename_axis("id").sort_values(  # the id breaks ties
        ["n_reasons", "burst", "events", "id"], ascending=[False, False, False, True]).head(n)
    what = "accounts on this IP" if entity == "ip" else "accounts on its busiest IP"
    reasons = []
    for i in flagged.index:
        row, why = flagged.loc[i], []
        if burst[i]:
            why.append(f"{count(row['burst'])} pages in {seconds} s")
        if regular[i] or fast[i]:
            why.append(f"no think time (median pause {number(row['median_gap_s'], 2)} s"
                       f"{', metronome' if regular[i] else ''})")
        if many_ips[i]:
            why.append(f"{count(row['ips_per_day'])} IPs on {cell(row['ip_day'])}")
        if crowded[i]:
            why.append(f"{count(row['users_per_ip'])} {what}")
        reasons.append("; ".join(why))
    flagged["reasons"] = reasons
    # The shown entities' rows in the range, read once: everything below reads only these.
    where, params = data.where(start, end)
    data.con.execute(f"CREATE OR REPLACE TEMP TABLE {_FLAGGED} AS SELECT * FROM events WHERE "
                     f"{_ONLY.format(key=key)} AND {where}", [list(flagged.index), *params])
    if entity == "user":  # the shown accounts get their per-day count too
        rest = flagged.index[flagged["ips_per_day"].isna()].tolist()
        found = ips_per_day(data, rest, None, None, table=_FLAGGED)
        flagged.loc[found.index, ["ips_per_day", "ip_day"]] = found[["ips_per_day", "ip_day"]]
        if flagged["ips_per_day"].notna().all():  # whole counts, as the query gives them
            flagged["ips_per_day"] = flagged["ips_per_day"].astype("int64")
    flagged = flagged.drop(columns=["events"]).join(
        _evidence(data, key, list(flagged.index), session_gap_s), how="left")
    flagged.index.name = key
    flagged = flagged.reset_index()
    flagged["window_start"] = flagged["burst_end"] - pd.Timedelta(seconds=seconds)
    windows = flagged.dropna(subset=["burst_end"])
    distinct = data.df(
        "WITH f AS (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::TIMESTAMP[]) AS s, "
        "unnest(?::TIMESTAMP[]) AS e) SELECT f.id, count(DISTINCT x.content) AS k FROM "
        f"{data.events_where('true', table=_FLAGGED)} x JOIN f ON x.{key} = f.id AND "
        "x.ts >= f.s AND x.ts <= f.e WHERE x.content IS NOT NULL GROUP BY 1",
        [windows[key].astype(str).tolist(), windows["window_start"].tolist(),
         windows["burst_end"].tolist()]).set_index("id")["k"] if len(windows) else {}
    flagged["distinct_in_window"] = [int(distinct.get(str(i), 0)) for i in flagged[key]]
    peaks = _peak_per_minute(data, key)
    flagged["peak_per_minute"] = [peaks.get(str(i)) for i in flagged[key]]
    columns = [key, "reasons", "burst", "distinct_in_window", "window_start", "burst_end",
               "peak_per_minute", "rate_per_minute", "distinct_paths", "median_gap_s",
               "users_per_ip", "events", "active_days"]
    if entity == "user":
        columns.insert(columns.index("users_per_ip"), "ips_per_day")
    table = flagged[columns].rename(columns={"burst_end": "window_end",
                                             "burst": f"pages_in_{seconds}s"})
    if places is not None and entity == "ip":
        table = table.merge(places, left_on="ip", right_index=True, how="left")
    elif places is not None and len(table):  # an account: where its busiest IP is
        busiest = data.df(
            f"SELECT user_id, {most_common('ip')} AS busiest_ip FROM _acc_events WHERE user_id IN "
            "(SELECT unnest(?::VARCHAR[])) GROUP BY 1", [table["user_id"].astype(str).tolist()])
        table = table.merge(busiest, on="user_id", how="left").merge(
            places, left_on="busiest_ip", right_index=True, how="left")
    data.con.execute(f"DROP TABLE {_FLAGGED}")
    return Answer("scrapers", table, {}, {"entity": entity, "flagged": int(
        (frame["n_reasons"] > 0).sum()), "judged": int(len(frame))}, list(data.notes))
