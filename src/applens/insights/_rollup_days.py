"""The per-day rollups: distinct users per local day, and the runs WAU/MAU count.

- ``rollup_day (day, users, n)``: distinct users and events per local day (any event);
- ``rollup_runs (a, z, n)``: with a user's active days s_1 < s_2 < …, each s_j covers the
  window ends [s_j, min(s_j + 30, s_{j+1})); ``n`` users have the run (a, z). A 7-day window
  is covered by [a, min(a + 7, z)). Rows are deltas (an ingest subtracts the runs it changes
  and adds the new ones), so readers sum ``n`` per (a, z).

Both answer DAU/WAU/MAU at day interval from rows that grow with days, not with users or
events. An ingest recomputes the runs of the users it touches from their days in
``rollup_user_day`` (before and after), and the users of the days it touches.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DAY_DDL", "WIDEST", "append_days", "merge_user_days"]

WIDEST = 30  # days: the widest rolling window (MAU)
DAY_DDL = (
    "CREATE TABLE IF NOT EXISTS rollup_day (day DATE, users BIGINT, n BIGINT)",
    "CREATE TABLE IF NOT EXISTS rollup_runs (a DATE, z DATE, n BIGINT)",
)


def _runs(days: str, sign: int) -> str:
    return (f"SELECT day AS a, least(day + {WIDEST}, coalesce(lead(day) OVER (PARTITION BY "
            f"user_id ORDER BY day), day + {WIDEST})) AS z, {sign} AS s FROM ({days})")


def append_days(con: Any, delta: str) -> None:
    """Bring rollup_day and rollup_runs up to date with the user-days in table ``delta``
    (user_id, day, n), before they are appended to rollup_user_day."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_users AS SELECT DISTINCT user_id "
                f"FROM {delta}")
    old = ("SELECT DISTINCT r.user_id, r.day FROM rollup_user_day r SEMI JOIN _rollup_users u "
           "ON r.user_id = u.user_id")
    new = f"{old} UNION SELECT user_id, day FROM {delta}"
    con.execute(f"INSERT INTO rollup_runs SELECT a, z, sum(s) FROM ({_runs(old, -1)} UNION ALL "
                f"{_runs(new, 1)}) GROUP BY a, z HAVING sum(s) <> 0 ORDER BY a, z")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT DISTINCT day FROM {delta}")
    con.execute("DELETE FROM rollup_day WHERE day IN (SELECT day FROM _rollup_days)")
    con.execute(
        f"INSERT INTO rollup_day SELECT day, count(DISTINCT user_id), sum(n) FROM (SELECT "
        f"user_id, day, n FROM rollup_user_day WHERE day IN (SELECT day FROM _rollup_days) "
        f"UNION ALL SELECT user_id, day, n FROM {delta}) GROUP BY day ORDER BY day")
    con.execute("DROP TABLE _rollup_users")
    con.execute("DROP TABLE _rollup_days")


def merge_user_days(con: Any, delta: str) -> None:
    """Add the user-days in table ``delta`` to rollup_user_day, one row per (user, day)."""
    # One row per (user, day): a day this ingest shares with an earlier one is merged. Not
    # sorted: a sort cost more ingest time than it saved in storage (measured at 10M).
    lo, hi = con.execute(f"SELECT min(day), max(day) FROM {delta}").fetchall()[0]
    if lo is None:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_merge AS SELECT r.* FROM rollup_user_day r "
        f"SEMI JOIN {delta} d ON r.user_id = d.user_id AND r.day = d.day "
        "WHERE r.day BETWEEN ? AND ?", [lo, hi])
    if con.execute("SELECT count(*) FROM _rollup_merge").fetchall()[0][0] == 0:
        con.execute(f"INSERT INTO rollup_user_day SELECT user_id, day, n FROM {delta}")
    else:
        con.execute("DELETE FROM rollup_user_day r USING _rollup_merge m WHERE r.user_id = "
                    "m.user_id AND r.day = m.day AND r.day BETWEEN ? AND ?", [lo, hi])
        con.execute("INSERT INTO rollup_user_day SELECT user_id, day, sum(n) FROM (SELECT "
                    f"user_id, day, n FROM {delta} UNION ALL SELECT user_id, day, n FROM "
                    "_rollup_merge) GROUP BY user_id, day")
    con.execute("DROP TABLE _rollup_merge")
