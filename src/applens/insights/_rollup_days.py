"""The per-day rollups: distinct users per local day, and the runs WAU/MAU count.

- ``rollup_day (day, users, n)``: distinct users and events per local day (any event);
- ``rollup_user_week (week, uid, days, n)``: active days and events per user and local
  week, one row per key, for both week conventions (a week starting on a Monday and one
  starting on a Sunday: ``isodow(week)`` tells them apart), so a spec's ``week_start``
  override reads it too; weekly insights read ~1/7 of the user-day rows;
- ``rollup_runs (a, z, n)``: with a user's active days s_1 < s_2 < …, each s_j covers the
  window ends [s_j, min(s_j + 30, s_{j+1})); ``n`` users have the run (a, z). A 7-day window
  is covered by [a, min(a + 7, z)). Rows are deltas (an ingest subtracts the runs it changes
  and adds the new ones), so readers sum ``n`` per (a, z).

Both answer DAU/WAU/MAU at day interval from rows that grow with days, not with users or
events. An ingest recomputes the runs of the users it touches from their days in
``rollup_user_day`` (before and after), and adds its user-days to the days it touches,
less the (user, day) keys an earlier ingest already counted.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DAY_DDL", "WIDEST", "add_user_days", "week_of"]

WIDEST = 30  # days: the widest rolling window (MAU)
DAY_DDL = (
    "CREATE TABLE IF NOT EXISTS rollup_day (day DATE, users BIGINT, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS rollup_runs (a DATE, z DATE, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS rollup_user_week (week DATE, uid INTEGER, days INTEGER, "
    "n BIGINT)",
)


def week_of(day: str, week_start: str) -> str:
    """SQL for the first day of the week (``monday`` or ``sunday``) holding DATE ``day``."""
    back = f"isodow({day}) - 1" if week_start == "monday" else f"isodow({day}) % 7"
    return f"CAST({day} - CAST({back} AS INTEGER) AS DATE)"


def _runs(days: str, sign: int) -> str:
    return (f"SELECT day AS a, least(day + {WIDEST}, coalesce(lead(day) OVER (PARTITION BY "
            f"uid ORDER BY day), day + {WIDEST})) AS z, {sign} AS s FROM ({days})")


def add_user_days(con: Any, delta: str, *, fresh: bool = False) -> None:
    """Add the user-days in table ``delta`` (uid, day, n; one row per key) to
    rollup_user_day, and bring rollup_day, rollup_runs and rollup_user_week up to date. ``fresh``:
    the tables were emptied in this transaction, so they are not read: on DuckDB 2.0.0 two
    patterns lost rows past one row group (a table read after an INSERT into it in the
    same transaction joined empty; rows inserted into a table dropped and recreated, or
    made by CREATE ... AS ... LIMIT 0, in the same transaction were gone at commit)."""
    lo, hi = con.execute(f"SELECT min(day), max(day) FROM {delta}").fetchall()[0]
    if lo is None:
        return
    # The earlier rows of the (user, day) keys this ingest shares with earlier ones.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_merge AS SELECT r.* FROM rollup_user_day r "
        f"SEMI JOIN {delta} d ON r.uid = d.uid AND r.day = d.day "
        "WHERE r.day BETWEEN ? AND ? AND NOT ?", [lo, hi, fresh])
    shared = con.execute("SELECT count(*) FROM _rollup_merge").fetchall()[0][0]
    _add_runs(con, delta, shared, fresh)
    _add_day_counts(con, delta, fresh)
    _add_weeks(con, delta, shared, fresh)
    # One row per (user, day), so readers skip a group-by; in (day, uid) order, which
    # compresses ~5x better than hash order once users outnumber a segment's values.
    if not shared:
        con.execute(f"INSERT INTO rollup_user_day SELECT uid, day, n FROM {delta} "
                    "ORDER BY day, uid")
    else:
        con.execute("DELETE FROM rollup_user_day r USING _rollup_merge m WHERE r.uid = "
                    "m.uid AND r.day = m.day AND r.day BETWEEN ? AND ?", [lo, hi])
        con.execute("INSERT INTO rollup_user_day SELECT uid, day, sum(n) FROM (SELECT "
                    f"uid, day, n FROM {delta} UNION ALL SELECT uid, day, n FROM "
                    "_rollup_merge) GROUP BY uid, day ORDER BY day, uid")
    con.execute("DROP TABLE _rollup_merge")


def _add_runs(con: Any, delta: str, shared: int, fresh: bool) -> None:
    """The runs of the users in ``delta``: minus those of their earlier days, plus those of
    their days with the new ones (rollup_user_day has one row per key: no DISTINCT)."""
    old = ("SELECT CAST(NULL AS INTEGER) AS uid, CAST(NULL AS DATE) AS day WHERE false" if fresh
           else f"SELECT r.uid, r.day FROM rollup_user_day r SEMI JOIN (SELECT DISTINCT uid "
           f"FROM {delta}) u ON r.uid = u.uid")
    new = (f"SELECT uid, day FROM {delta} ANTI JOIN _rollup_merge USING (uid, day)" if shared
           else f"SELECT uid, day FROM {delta}")
    con.execute(f"INSERT INTO rollup_runs SELECT a, z, sum(s) FROM ({_runs(old, -1)} UNION ALL "
                f"{_runs(f'{old} UNION ALL {new}', 1)}) GROUP BY a, z HAVING sum(s) <> 0 "
                "ORDER BY a, z")


def _add_day_counts(con: Any, delta: str, fresh: bool) -> None:
    """rollup_day for the days in ``delta``: the earlier counts, plus the new user-days less
    those shared with earlier ingests (no distinct count over the users). Staged in a temp
    table, so no INSERT reads the table it writes."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_day_new AS SELECT a.day, "
        "coalesce(o.users, 0) + a.users - coalesce(m.users, 0) AS users, "
        f"coalesce(o.n, 0) + a.n AS n FROM (SELECT day, count(*) AS users, sum(n) AS n FROM "
        f"{delta} GROUP BY day) a LEFT JOIN (SELECT * FROM rollup_day WHERE NOT {fresh}) o "
        "USING (day) LEFT JOIN (SELECT day, "
        "count(*) AS users FROM _rollup_merge GROUP BY day) m USING (day)")
    con.execute("DELETE FROM rollup_day WHERE day IN (SELECT day FROM _rollup_day_new)")
    con.execute("INSERT INTO rollup_day SELECT day, users, n FROM _rollup_day_new ORDER BY day")
    con.execute("DROP TABLE _rollup_day_new")


def _add_weeks(con: Any, delta: str, shared: int, fresh: bool) -> None:
    """rollup_user_week for the users and weeks in ``delta``: its days count only the keys
    no earlier ingest had (``_rollup_merge``); rows of a (week, uid) an earlier ingest
    wrote are read before any write here, deleted and written back merged."""
    seen = ("EXISTS (SELECT 1 FROM _rollup_merge m WHERE m.uid = d.uid AND m.day = d.day)"
            if shared else "false")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_week_delta AS SELECT week, uid, "
        "count(*) FILTER (WHERE NOT seen) AS days, sum(n) AS n FROM ("
        + " UNION ALL ".join(f"SELECT {week_of('d.day', w)} AS week, d.uid, d.n, {seen} AS seen "
                             f"FROM {delta} d" for w in ("monday", "sunday"))
        + ") GROUP BY week, uid")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_week_merge AS SELECT r.* FROM rollup_user_week r "
        "SEMI JOIN _rollup_week_delta d ON r.week = d.week AND r.uid = d.uid WHERE NOT ?",
        [fresh])
    if not con.execute("SELECT count(*) FROM _rollup_week_merge").fetchall()[0][0]:
        con.execute("INSERT INTO rollup_user_week SELECT week, uid, days, n FROM "
                    "_rollup_week_delta ORDER BY week, uid")
    else:
        con.execute("DELETE FROM rollup_user_week r USING _rollup_week_merge m WHERE "
                    "r.week = m.week AND r.uid = m.uid")
        con.execute("INSERT INTO rollup_user_week SELECT week, uid, sum(days), sum(n) FROM "
                    "(SELECT * FROM _rollup_week_delta UNION ALL SELECT * FROM "
                    "_rollup_week_merge) GROUP BY week, uid ORDER BY week, uid")
    con.execute("DROP TABLE _rollup_week_delta")
    con.execute("DROP TABLE _rollup_week_merge")
