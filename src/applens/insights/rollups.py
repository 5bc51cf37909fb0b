"""Rollups kept beside the events in the DuckDB warehouse: small, exact summaries.

- ``rollup_users (user_id, uid)``: a small integer per user, numbered as users arrive; the
  other tables key users by ``uid`` (less storage than the ids' text, faster to group);
- ``rollup_user_day (uid, day, n)``: events per user and local day (any event name),
  one row per key (an ingest merges the days it shares with earlier ones);
- ``rollup_events (event, e)``: a small integer per event name, numbered as names arrive;
- ``rollup_day_event (day, e, n)``: events per local day and event name (its number);
- ``rollup_first_seen (uid, first_day)``: each user's first local day (min over rows);
- ``rollup_slices (day, event, property, value, n)``: events per local day, event name and
  value of each declared breakdown property (``rollup_properties`` in applens.toml);
- ``rollup_day``, ``rollup_runs`` and ``rollup_user_week``: distinct users per day, the
  runs that give rolling WAU/MAU, and active days and events per user and week
  (``insights._rollup_days``);
- ``rollup_user_mask (uid, e, blk, mask)``: each user's active days as bitmasks of 64 days,
  for any event and per event name (``insights._rollup_masks``): who did an event on which
  days; any-event stickiness, lifecycle and retention read them as patterns;
- ``rollup_meta (timezone, properties, events_rows)``: what the rollups were built for, and
  how many rows ``events`` had then (the planner scans when the table changed otherwise).

Days are local days in the workspace timezone, computed with the same UTC offsets as the
insight engine (``insights._tz``), so a day here is the day a scan would put the event in.
Each ingest appends its own rows (``add_ingest``) inside the ingest's transaction, so an
interrupted ingest leaves events and rollups both or neither; readers of the other tables
sum rows that share a key (a day that spans two ingests has two rows there). ``rebuild``
recomputes everything in one transaction and compacts; ``verify`` recomputes a sample of
days from the raw events. Rollups of an older layout are dropped by ``migrate`` in a
transaction of their own, before the ingest's (which then rebuilds them): dropping and
recreating a table inside the ingest's transaction lost rows on DuckDB 2.0.0.
Person-less events (no ``user_id``) are never counted by an insight, so they are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from applens._sql import ident, literal
from applens.insights._labels import NONE_LABEL
from applens.insights._offsets import offsets
from applens.insights._rollup_days import DAY_DDL, add_user_days
from applens.insights._rollup_masks import ANY_EVENT, MASK_DDL, add_event_masks, add_masks

__all__ = ["ROLLUP_TABLES", "RollupMeta", "add_ingest", "drop", "event_number", "local_date",
           "local_day_sql", "migrate", "read_meta", "rebuild", "slice_label", "storage",
           "table_exists"]

ROLLUP_TABLES = ("rollup_users", "rollup_events", "rollup_user_day", "rollup_day_event",
                 "rollup_first_seen", "rollup_slices", "rollup_day", "rollup_runs",
                 "rollup_user_week", "rollup_user_mask", "rollup_meta")
_RETIRED = ("rollup_user_day_event",)  # an older layout's tables: dropped by migrate
_DDL = (
    "CREATE TABLE IF NOT EXISTS rollup_user_day (uid INTEGER, day DATE, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS rollup_day_event (day DATE, e INTEGER, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS rollup_first_seen (uid INTEGER, first_day DATE)",
    "CREATE TABLE IF NOT EXISTS rollup_slices (day DATE, event VARCHAR, property VARCHAR, "
    "value VARCHAR, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS rollup_meta (timezone VARCHAR, properties VARCHAR, "
    "events_rows BIGINT)",
    *DAY_DDL,
    MASK_DDL,
)
_COLUMNS = {"rollup_users": ("user_id", "uid"),  # the layout this version writes
            "rollup_events": ("event", "e"),
            "rollup_user_day": ("uid", "day", "n"),
            "rollup_day_event": ("day", "e", "n"),
            "rollup_first_seen": ("uid", "first_day"),
            "rollup_slices": ("day", "event", "property", "value", "n"),
            "rollup_day": ("day", "users", "n"), "rollup_runs": ("a", "z", "n"),
            "rollup_user_week": ("week", "uid", "days", "n"),
            "rollup_user_mask": ("uid", "e", "blk", "mask"),
            "rollup_meta": ("timezone", "properties", "events_rows")}


@dataclass(frozen=True)
class RollupMeta:
    timezone: str
    properties: tuple[str, ...]
    events_rows: int | None = None


def table_exists(con: Any, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
        "AND NOT temporary", [name]).fetchall()[0][0])


def read_meta(con: Any) -> RollupMeta | None:
    """What the warehouse's rollups were built for (None: there are none)."""
    if _stale_layout(con):
        return None  # none, or an older layout: rebuilt by the next ingest
    rows = con.execute("SELECT timezone, properties, events_rows FROM rollup_meta").fetchall()
    if not rows:
        return None
    return RollupMeta(rows[0][0], tuple(json.loads(rows[0][1])), rows[0][2])


def event_number(con: Any, event: str | None) -> int:
    """The rollups' number for ``event``: ``ANY_EVENT`` (the day masks' any-event rows) for
    None, -1 (which no name has) for a name never seen."""
    if event is None:
        return ANY_EVENT
    got = con.execute("SELECT min(e) FROM rollup_events WHERE event = ?", [event]
                      ).fetchall()[0][0]
    return -1 if got is None else int(got)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def local_day_sql(con: Any, zone: str, where: str, column: str = "ts") -> str:
    """SQL for the local day of ``column`` (naive UTC), exact for the rows ``where`` selects."""
    lo, hi = con.execute(f"SELECT min({column}), max({column}) FROM events WHERE {where}"
                         ).fetchall()[0]
    if lo is None:
        return f"CAST({column} AS DATE)"
    table = offsets(ZoneInfo(zone), lo - timedelta(days=1), hi + timedelta(days=1))
    if len(table) == 1:  # one offset (UTC: none, which saves 0.2 CPU s a 10M-event ingest)
        shift = f" + INTERVAL ({table[0][1]}) SECOND" if table[0][1] else ""
        return f"CAST({column}{shift} AS DATE)"
    branches = " ".join(
        f"WHEN {column} < TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' THEN {prev}"
        for (start, _), (_, prev) in zip(table[1:], table[:-1], strict=True))
    return (f"CAST({column} + INTERVAL (CASE {branches} ELSE {table[-1][1]} END) SECOND "
            "AS DATE)")


def _properties(con: Any, wanted: Sequence[str]) -> list[str]:
    """The declared properties that are columns of events (others are skipped)."""
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'events' "
        "AND schema_name = 'main' AND NOT internal").fetchall()}
    return [p for p in dict.fromkeys(wanted) if p in have and p not in ("user_id", "ts",
                                                                         "event")]


def slice_label(prop: str) -> str:
    """SQL for the breakdown label of ``prop`` (null and empty share NONE_LABEL)."""
    text = f"CAST({ident(prop)} AS VARCHAR)"
    return f"CASE WHEN {text} IS NULL OR {text} = '' THEN {literal(NONE_LABEL)} ELSE {text} END"


def _append(con: Any, zone: str, properties: Sequence[str], where: str, *,
            fresh: bool = False) -> None:
    """Append the rollup rows of the events ``where`` selects (the caller's transaction);
    ``fresh``: the tables were emptied in this transaction (nothing to merge with)."""
    scope = f"({where}) AND user_id IS NOT NULL"
    day = local_day_sql(con, zone, scope)
    _number(con, scope, "user_id", "rollup_users", "uid", "_rollup_map")
    _number(con, scope, "event", "rollup_events", "e", "_rollup_event_map")
    # Each table grouped straight from the events (joined to the user and event numbers:
    # integer keys group faster than the ids' text, at 10M 2.6 s against 3.6 s). Counting
    # events per user, day and event first and rolling that up was 2.3x the CPU (5.2M
    # groups at 10M against 1.8M user-days and 0.2M masks).
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_user_day AS SELECT u.uid, {day} AS day, "
                "count(*) AS n FROM events JOIN _rollup_map u USING (user_id) "
                f"WHERE {scope} GROUP BY ALL")
    add_event_masks(con, f"SELECT u.uid, x.e, {day} AS day FROM events JOIN _rollup_map u "
                         f"USING (user_id) JOIN _rollup_event_map x USING (event) WHERE {scope}")
    add_user_days(con, "_rollup_user_day", fresh=fresh)
    add_masks(con, "_rollup_user_day")
    # from the user-days (at 10M: 1.8M rows against 10M events)
    con.execute("INSERT INTO rollup_first_seen SELECT uid, min(day) FROM _rollup_user_day "
                "GROUP BY uid")
    con.execute("DROP TABLE _rollup_user_day")
    if properties:
        # Count by every declared property at once (one small hash table over the raw
        # columns; measured at 10M: half the CPU of grouping sets over labelled values),
        # then label and split per property; the day and event totals sum its rows.
        raw = ", ".join(ident(p) for p in properties)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_fine AS SELECT {day} AS day, event, "
                    f"{raw}, count(*) AS n FROM events WHERE {scope} GROUP BY ALL")
        for p in properties:
            con.execute(
                f"INSERT INTO rollup_slices SELECT day, event, {literal(p)}, {slice_label(p)} "
                "AS v, sum(n) FROM _rollup_fine GROUP BY day, event, v")
        counted = "SELECT day, event, sum(n) AS n FROM _rollup_fine GROUP BY ALL"
    else:
        counted = (f"SELECT {day} AS day, event, count(*) AS n FROM events WHERE {scope} "
                   "GROUP BY ALL")
    con.execute(f"INSERT INTO rollup_day_event SELECT day, x.e, n FROM ({counted}) JOIN "
                "_rollup_event_map x USING (event) ORDER BY day, x.e")
    con.execute("DROP TABLE IF EXISTS _rollup_fine")
    con.execute("DROP TABLE _rollup_map")
    con.execute("DROP TABLE _rollup_event_map")


def _number(con: Any, scope: str, key: str, table: str, number: str, into: str) -> None:
    """Temp table ``into (key, number)``: every ``key`` of the events ``scope`` selects with
    its number in ``table``, new keys taking the next numbers (appended to ``table``).
    No table is read after an insert into it in this transaction (staged in temp tables made
    in one statement each): on DuckDB 2.0.0 such reads came back short (an empty join, a
    zero count) past one row group."""
    top = con.execute(f"SELECT coalesce(max({number}), 0) FROM {table}").fetchall()[0][0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_new AS SELECT {key}, "
                f"CAST({int(top)} + row_number() OVER (ORDER BY {key}) AS INTEGER) AS {number} "
                f"FROM (SELECT DISTINCT {key} FROM events WHERE {scope}) "
                f"ANTI JOIN {table} USING ({key})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT {key}, {number} FROM {table} "
                f"UNION ALL SELECT {key}, {number} FROM _rollup_new")
    con.execute(f"INSERT INTO {table} SELECT {key}, {number} FROM _rollup_new")
    con.execute("DROP TABLE _rollup_new")


def _create(con: Any, zone: str, properties: Sequence[str]) -> None:
    for ddl in _DDL:
        con.execute(ddl)
    # user_id and event as events has them (text in a workspace; tests' frames may hold
    # numbers)
    # (declared, not CREATE ... AS ... LIMIT 0: on DuckDB 2.0.0 rows inserted into such a
    # table in the same transaction were lost at commit past one row group)
    for table, key, number in (("rollup_users", "user_id", "uid"),
                               ("rollup_events", "event", "e")):
        kind = con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = "
                           "'events' AND schema_name = 'main' AND column_name = ?",
                           [key]).fetchall()
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({key} "
                    f"{kind[0][0] if kind else 'VARCHAR'}, {number} INTEGER)")
    con.execute("DELETE FROM rollup_meta")
    con.execute("INSERT INTO rollup_meta VALUES (?, ?, NULL)",
                [zone, json.dumps(list(properties))])


def _counted(con: Any) -> None:
    rows = con.execute("SELECT count(*) FROM events").fetchall()[0][0] if table_exists(
        con, "events") else 0
    con.execute("UPDATE rollup_meta SET events_rows = ?", [rows])


def add_ingest(con: Any, ingest_ids: Sequence[int], *, timezone: str,
               properties: Sequence[str]) -> None:
    """Bring the rollups up to date with the events of ``ingest_ids`` (inside the ingest's
    transaction; ``migrate`` first, outside it). Rollups built for another timezone or
    property list, none at all, or ones that missed events (an ingest with ``rollups=False``
    since they were counted) are rebuilt from all events instead, in this transaction.
    """
    wanted = _properties(con, properties)
    meta = read_meta(con)
    ids = ", ".join(str(int(i)) for i in ingest_ids) or "NULL"
    if meta is not None and meta.events_rows is not None:
        before = con.execute(f"SELECT count(*) FILTER (WHERE _ingest_id IS NULL OR _ingest_id "
                             f"NOT IN ({ids})) FROM events").fetchall()[0][0]
        if before != meta.events_rows:  # appending would leave the missed events out
            meta = None
    if meta is None or meta.timezone != timezone or list(meta.properties) != wanted:
        _rebuild_in_transaction(con, timezone, wanted)
        return
    if ingest_ids:
        _append(con, timezone, wanted, f"_ingest_id IN ({ids})")
    _counted(con)


def _rebuild_in_transaction(con: Any, zone: str, properties: Sequence[str]) -> None:
    # Emptied, not dropped: on DuckDB 2.0.0 inserts into a table dropped and recreated in
    # the same transaction lost rows past one row group. Tables of another layout are
    # dropped by ``migrate``, committed before this transaction began.
    old = _old_tables(con)
    if old:
        raise RuntimeError(f"rollup tables of an older layout ({', '.join(old)}): "
                           "call rollups.migrate() before the transaction")
    for name in ROLLUP_TABLES:
        if table_exists(con, name):
            con.execute(f"DELETE FROM {name}")
    _create(con, zone, properties)
    if table_exists(con, "events"):
        _append(con, zone, properties, "true", fresh=True)
    _counted(con)


def _stale_layout(con: Any) -> list[str]:
    """Rollup tables missing or whose columns are not the ones this version writes."""
    have: dict[str, list[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
            "AND database_name = current_database() AND NOT internal AND table_name LIKE "
            "'rollup%' ORDER BY table_name, column_index").fetchall():
        have.setdefault(table, []).append(column)
    return [n for n, columns in _COLUMNS.items() if have.get(n) != list(columns)]


def _old_tables(con: Any) -> list[str]:
    """Rollup tables to drop: of an older layout, or no longer kept (a missing one is just
    created)."""
    return [n for n in (*_stale_layout(con), *_RETIRED) if table_exists(con, n)]


def migrate(con: Any) -> bool:
    """Drop rollup tables of an older layout in a transaction of their own, so
    that the next rebuild or ingest recreates them in a transaction that drops nothing.
    Call it outside any transaction; True when something was dropped."""
    old = _old_tables(con)
    if not old:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        for name in old:
            con.execute(f"DROP TABLE {name}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def rebuild(con: Any, *, timezone: str, properties: Sequence[str]) -> RollupMeta:
    """Recompute every rollup from the events, in one transaction (compacts them too)."""
    migrate(con)
    con.execute("BEGIN TRANSACTION")
    try:
        wanted = _properties(con, properties) if table_exists(con, "events") else []
        _rebuild_in_transaction(con, timezone, wanted)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    meta = read_meta(con)
    assert meta is not None  # just written
    return meta


def drop(con: Any) -> None:
    for name in (*ROLLUP_TABLES, *_RETIRED):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def storage(con: Any) -> dict[str, int]:
    """Bytes each of events and the rollup tables takes (used blocks x block size)."""
    size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    out: dict[str, int] = {}
    for name in ("events", *ROLLUP_TABLES):
        if table_exists(con, name):
            blocks = con.execute(
                "SELECT count(DISTINCT block_id) FROM pragma_storage_info(?) "
                "WHERE block_id >= 0", [name]).fetchall()[0][0]
            out[name] = int(blocks or 0) * int(size)
    return out
