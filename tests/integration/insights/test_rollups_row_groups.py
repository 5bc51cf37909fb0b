"""Rollups past one DuckDB row group (122,880 rows): no row is lost.

On DuckDB 2.0.0 an INSERT that read its own table, and inserts into a table dropped and
recreated in the same transaction, came back short past one row group (seen at 100M
events). The rollups avoid both; this checks every keyed table against the raw events
after a first ingest (over rollups of an older layout, dropped in a transaction of their
own before the ingest's), a second one that shares days and users with it, and a rebuild,
with more users, user-days and day masks than one row group holds.
"""

from __future__ import annotations

import duckdb
import pytest

from applens.ingest import ingest
from applens.insights import rollup_verify, rollups
from applens.workspace import Workspace

ROW_GROUP = 122_880
USERS = 140_000  # > one row group of rollup_users


def _write(path, *, first_user: int, users: int, day_from: str, days: int, seed: float) -> None:
    """Three events per user on random days and names (ids as text, like a real log)."""
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    con.execute(f"""COPY (
        SELECT 'u' || (i // 3 + {first_user}) AS user_id,
               TIMESTAMP '{day_from}' + to_seconds(CAST(floor(random() * {days} * 86400)
                                                        AS BIGINT)) AS ts,
               ['view', 'click', 'buy'][1 + CAST(floor(random() * 3) AS INT)] AS event
        FROM range({users * 3}) t(i)) TO '{path}' (FORMAT parquet)""")
    con.close()


def _missing(con, rollup: str, raw: str) -> tuple[int, int]:
    """(rows of the raw events missing from the rollup, rollup rows not in the raw events)."""
    got = con.execute(f"SELECT count(*) FROM (({raw}) EXCEPT ALL ({rollup})) UNION ALL "
                      f"SELECT count(*) FROM (({rollup}) EXCEPT ALL ({raw}))").fetchall()
    return got[0][0], got[1][0]


def _check(con) -> None:
    named = "rollup_users u USING (uid)"
    tables = {
        "rollup_users": ("SELECT user_id FROM rollup_users",
                         "SELECT DISTINCT user_id FROM events"),
        "rollup_user_day": (
            f"SELECT u.user_id, day, n FROM rollup_user_day JOIN {named}",
            "SELECT user_id, CAST(ts AS DATE), count(*) FROM events GROUP BY ALL"),
        "rollup_day_event": (
            "SELECT day, x.event, sum(n) FROM rollup_day_event JOIN rollup_events x USING (e) "
            "GROUP BY ALL",
            "SELECT CAST(ts AS DATE), event, count(*) FROM events GROUP BY ALL"),
        "rollup_first_seen": (
            f"SELECT u.user_id, min(first_day) FROM rollup_first_seen JOIN {named} GROUP BY 1",
            "SELECT user_id, min(CAST(ts AS DATE)) FROM events GROUP BY 1"),
        "rollup_user_week": (  # Monday weeks and Sunday weeks
            f"SELECT u.user_id, week, days, n FROM rollup_user_week JOIN {named}",
            "SELECT user_id, w, count(DISTINCT d), count(*) FROM (SELECT user_id, d, "
            "unnest([CAST(date_trunc('week', d) AS DATE), "
            "CAST(date_trunc('week', d + 1) AS DATE) - 1]) AS w FROM "
            "(SELECT user_id, CAST(ts AS DATE) AS d FROM events)) GROUP BY ALL"),
        "rollup_user_mask": (  # each set bit: a day the user was active (e = 0: any event)
            f"SELECT u.user_id, DATE '1970-01-01' + CAST(blk * 64 + b AS INTEGER) FROM "
            "(SELECT uid, blk, bit_or(mask) AS mask FROM rollup_user_mask WHERE e = 0 "
            f"GROUP BY ALL) m CROSS JOIN range(64) t(b) JOIN {named} WHERE (mask >> CAST(b AS "
            "UBIGINT)) & CAST(1 AS UBIGINT) = 1",
            "SELECT DISTINCT user_id, CAST(ts AS DATE) FROM events"),
        "rollup_user_mask per event": (  # names joined after the expansion (see test_rollups)
            "SELECT user_id, d, x.event FROM (SELECT u.user_id, e, DATE '1970-01-01' + "
            "CAST(blk * 64 + b AS INTEGER) AS d FROM (SELECT uid, e, blk, bit_or(mask) AS mask "
            "FROM rollup_user_mask WHERE e > 0 GROUP BY ALL) m CROSS JOIN range(64) t(b) JOIN "
            f"{named} WHERE (mask >> CAST(b AS UBIGINT)) & CAST(1 AS UBIGINT) = 1) JOIN "
            "rollup_events x USING (e)",
            "SELECT DISTINCT user_id, CAST(ts AS DATE), event FROM events"),
        "rollup_day": ("SELECT day, users, n FROM rollup_day",
                       "SELECT CAST(ts AS DATE), count(DISTINCT user_id), count(*) FROM events "
                       "GROUP BY 1"),
    }
    for name, (rollup, raw) in tables.items():
        assert _missing(con, rollup, raw) == (0, 0), name
    assert con.execute("SELECT count(DISTINCT uid) = count(*) FROM rollup_users"
                       ).fetchall()[0][0], "each user has one number"
    assert con.execute("SELECT count(DISTINCT e) = count(*) AND count(*) = (SELECT "
                       "count(DISTINCT event) FROM events) FROM rollup_events"
                       ).fetchall()[0][0], "each event name has one number"
    report = rollup_verify.verify(con, sample=3, seed=1)
    assert report.ok, report.mismatches


@pytest.mark.slow
def test_no_rollup_row_is_lost_past_one_row_group(tmp_path):
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    _write(first, first_user=0, users=USERS, day_from="2024-03-01", days=20, seed=0.1)
    # half the users again (on days shared with the first file), half new ones
    _write(second, first_user=USERS // 2, users=USERS, day_from="2024-03-15", days=20,
           seed=0.2)
    ws = Workspace.init(tmp_path / "ws", timezone="UTC")
    try:
        con = ws.connection
        # rollups of the older layout (text user keys): dropped, committed, before the
        # first ingest's transaction, which creates them anew
        con.execute("CREATE TABLE rollup_user_day (user_id VARCHAR, day DATE, n BIGINT)")
        con.execute("CREATE TABLE rollup_user_day_event (user_id VARCHAR, day DATE, "
                    "event VARCHAR, n BIGINT)")
        con.execute("CREATE TABLE rollup_meta AS SELECT 'UTC' AS timezone, '[]' AS properties, "
                    "0::BIGINT AS events_rows")
        assert rollups.read_meta(con) is None
        assert ingest(ws, first).rows_loaded == USERS * 3
        for table in ("rollup_user_day", "rollup_user_mask"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > ROW_GROUP
        _check(con)
        assert ingest(ws, second).rows_loaded == USERS * 3
        assert con.execute("SELECT count(*) FROM rollup_users").fetchall()[0][0] == (
            USERS * 3 // 2)
        assert con.execute("SELECT count(*) FROM rollup_user_mask").fetchall()[0][0] > (
            2 * ROW_GROUP)
        _check(con)
        assert con.execute("SELECT count(*) FROM rollup_user_week").fetchall()[0][0] > ROW_GROUP
        rollups.rebuild(con, timezone="UTC", properties=ws.settings.rollup_properties)
        _check(con)
    finally:
        ws.close()
