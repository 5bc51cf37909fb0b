"""The six access questions against a hand-written DuckDB query for each, side by side.

    .venv/bin/python benchmarks/access_bench.py            # APPLENS_BENCH_ACCESS_ROWS=10000000

A synthetic curriculum log of ROWS requests (ROWS/500 people in 100 cohorts, 20 sections of
50 lessons, query strings, ``.html`` and 5% assets, one staff cohort) is generated in DuckDB
into a warehouse file. Each question then runs in its own child process twice: through
``applens.access`` (building its ``AccessData`` as a command does) and as hand-written DuckDB
queries that compute the same tables (the same path rules, written inline and run once per
distinct path, as applens runs them: the strong baseline, not the naive per-row one). Each child
imports first, then times the question alone (``query_seconds``: the applens side includes
building ``AccessData``), and reports its wall seconds and peak RSS (imports included; importing
applens.access costs ~2 s of CPU for pandas, pydantic and the models package). The ratio of
query seconds applens / hand is what the issue bounds (1.5x) and the peak RSS what it bounds at
2 GB (DuckDB memory_limit 1 GB as in a workspace, 2 threads); ``cpu_ratio`` is the same ratio
of the question's CPU seconds (all threads), steadier than wall time on a shared machine.
Output: benchmarks/results/access.json.

What each hand query computes: the same tables as the product's answer, and ``check`` asserts
it on the generated log before anything is timed (the hand SQL is what a user would write:
``count(DISTINCT ...)`` where the product counts people, ``median`` where it has
``approx_quantile``). ``top``: items per program with requests and people (the product adds the
members per group and unopened items). ``quiet``: requests and active days per stay while
enrolled, and last seen (the product adds the robust z). ``after-end``: the per-person table
and each program's ten items read after the end with their people (the product adds each shown
person's items). ``cross-program``: owners (share and readers rules), the daily share and the
people with most cross reads (the product adds change points). ``scrapers``: pages, the burst,
the pauses' median and regular share, and accounts per IP (the product adds IPs per day and
the evidence of the shown). ``outlier-days``: the daily requests per cohort, then the
registered ``default`` detector (it has no SQL form) called once per series, as a user would
write it, then the 50 shown days' most read item and busiest person; ``ratio_to_hand_sql``
holds applens against the daily-series SQL alone, the detector counted as applens' cost.
``ratio_to_core``: against the narrower queries of this bench's first version (``CORE``),
which answer less; the fair hand queries above are plain SQL, not tuned (``count(DISTINCT)``
over every group, one statement per table), so both yardsticks are recorded.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_child, write_result  # noqa: E402

ROWS = int(os.environ.get("APPLENS_BENCH_ACCESS_ROWS", 10_000_000))
REPEATS = int(os.environ.get("APPLENS_BENCH_ACCESS_REPEATS", 2))
SRC = str(Path(__file__).resolve().parents[1] / "src")

GENERATE = """
SELECT setseed(0.13);
CREATE TABLE memberships AS SELECT CAST(c AS VARCHAR) AS cohort, NULL::VARCHAR AS user_id,
  CAST(c % 3 AS VARCHAR) AS program, CASE WHEN c = 0 THEN 'Staff' ELSE 'C' || c END AS name,
  TIMESTAMP '2018-01-01' + INTERVAL (c * 9) DAY AS start_date,
  TIMESTAMP '2018-01-01' + INTERVAL (c * 9 + 140) DAY AS end_date, 1 AS _ingest_id
  FROM range(100) t(c);
CREATE TABLE events AS WITH r AS (SELECT i, (i * 7919) % {people} AS u, random() AS a,
  random() AS b, random() AS d FROM range({rows}) t(i))
SELECT TIMESTAMP '2018-01-01' + INTERVAL ((u % 100) * 9) DAY
         + to_seconds(CAST(a * 500 * 86400 AS BIGINT)) AS ts,
  CAST(u AS VARCHAR) AS user_id, 'pageview' AS event,
  CASE WHEN d < 0.05 THEN '/img/x' || CAST(b * 90 AS INT) || '.png'
       ELSE '/' || (CASE WHEN b < 0.9 THEN (u % 100) % 3 * 6 + CAST(b * 6 AS INT)
                    ELSE CAST(b * 1000 AS INT) % 20 END) || '-sec/lesson-'
            || CAST(d * 50 AS INT) || CASE WHEN d < 0.3 THEN '.html' WHEN d < 0.4 THEN '?x=1'
                                          ELSE '' END END AS path,
  '10.' || (u % 250) || '.' || CAST(b * 3 AS INT) || '.1' AS ip,
  CAST(u % 100 AS VARCHAR) AS cohort
FROM r;
"""

APPLENS = {
    "top": "top_content(d, by='program')",
    "quiet": "quiet_members(d, by='person')",
    "after-end": "after_end(d)",
    "cross-program": "cross_program(d)",
    "scrapers": "scrapers(d, entity='user')",
    "outlier-days": "outlier_days(d, by='cohort')",
}

# The same answers, by hand. CONTENT is the path rule written once for all of them.
CONTENT = ("CASE WHEN regexp_matches(path, '(?i)\\.(png|jpe?g|gif|webp|svg|ico|css|js|woff2?|"
           "ttf|eot|map)([?#].*)?$') THEN NULL ELSE coalesce(nullif(array_to_string("
           "list_filter(string_split(regexp_replace(regexp_replace(path, '[?#].*$', ''), "
           "'[.][A-Za-z0-9]{1,5}/?$', ''), '/'), lambda x: x <> '' AND NOT "
           "regexp_full_match(x, '[0-9]+')), '/'), ''), '/') END")
COHORTS = ("(SELECT cohort, program, start_date, end_date FROM memberships WHERE user_id IS NULL "
           "AND NOT regexp_matches(name, '(?i)placeholder|staff|test'))")
# The strong baseline: the path rule once per distinct path (a materialized CTE, else DuckDB
# may apply it after the join, per request), as applens does it.
W = (f"WITH paths AS MATERIALIZED (SELECT path, {CONTENT} AS content FROM (SELECT DISTINCT "
        f"path FROM events)), cohorts AS {COHORTS}, ev AS (SELECT e.ts, e.user_id, e.ip, "
        "p.content, c.cohort, c.program, c.start_date, c.end_date FROM events e JOIN paths p "
        "ON p.path = e.path JOIN cohorts c ON c.cohort = e.cohort)")
# Every hand answer computes the same tables as the product's answer (see the docstring):
# a list of queries, run one after the other.
OWNERS = (", s AS (SELECT split_part(content, '/', 1) AS section, program, count(*) AS k, "
          "count(DISTINCT user_id) AS r FROM ev WHERE content IS NOT NULL GROUP BY 1, 2), "
          "o AS (SELECT section, arg_max(program, k) AS owner FROM s GROUP BY 1 HAVING "
          "max(k) >= 0.75 * sum(k) AND sum(r) >= 3), x AS (SELECT ev.*, o.owner FROM ev JOIN o "
          "ON split_part(ev.content, '/', 1) = o.section)")
ENDS = (", ends AS (SELECT user_id, max(end_date) AS ended, arg_max(program, end_date) AS "
        "prog FROM ev GROUP BY 1), a AS (SELECT ev.user_id, ev.ts, ev.content, ends.prog FROM ev "
        "JOIN ends USING (user_id) WHERE ev.content IS NOT NULL AND ev.ts >= ends.ended + "
        "INTERVAL 1 DAY)")
PAGES = (", q AS (SELECT e.user_id, e.ts FROM events e JOIN paths p ON p.path = e.path WHERE "
         "p.content IS NOT NULL)")
HAND = {
    "top": [W + " SELECT program, content, count(*) AS n, count(DISTINCT user_id) AS people "
                "FROM ev WHERE content IS NOT NULL GROUP BY 1, 2 QUALIFY row_number() OVER "
                "(PARTITION BY program ORDER BY count(*) DESC, count(DISTINCT user_id) DESC, "
                "content) <= 10"],
    "quiet": [W + ", l AS (SELECT user_id, max(ts) AS last_seen FROM events GROUP BY 1) "
                  "SELECT user_id, cohort, count(*) AS n, count(DISTINCT CAST(ts AS DATE)) AS "
                  "days, any_value(l.last_seen) AS last_seen FROM ev JOIN l USING (user_id) "
                  "WHERE content IS NOT NULL AND ts >= start_date AND ts < end_date + "
                  "INTERVAL 1 DAY GROUP BY 1, 2"],
    "after-end": [W + ENDS + " SELECT user_id, count(*) AS n, count(DISTINCT CAST(ts AS "
                             "DATE)) AS days, max(ts) AS last FROM a GROUP BY 1",
                  W + ENDS + " SELECT prog, content, count(*) AS n, count(DISTINCT user_id) AS "
                             "people FROM a GROUP BY 1, 2 QUALIFY row_number() OVER (PARTITION "
                             "BY prog ORDER BY count(*) DESC, content) <= 10"],
    "cross-program": [W + OWNERS + " SELECT CAST(ts AS DATE) AS day, count(*) FILTER (WHERE "
                                   "owner <> program) AS x, count(*) AS n FROM x GROUP BY 1",
                      W + OWNERS + " SELECT user_id, count(*) AS x, min(ts), max(ts), "
                                   "mode(cohort), mode(owner) FROM x WHERE owner <> program "
                                   "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"],
    "scrapers": [W + PAGES + ", w AS (SELECT user_id, count(*) OVER (PARTITION BY user_id ORDER "
                             "BY ts RANGE BETWEEN INTERVAL 20 SECOND PRECEDING AND CURRENT ROW) "
                             "AS n, epoch(ts) - epoch(lag(ts) OVER (PARTITION BY user_id ORDER "
                             "BY ts)) AS gap FROM q), g AS (SELECT user_id, count(*) AS pages, "
                             "max(n) AS burst, median(gap) FILTER (WHERE gap <= 1800) AS med, "
                             "list(gap) FILTER (WHERE gap <= 1800) AS gaps FROM w GROUP BY 1) "
                             "SELECT user_id, pages, burst, med, list_avg(list_transform(gaps, "
                             "lambda x: CAST(abs(x - med) <= 0.1 * med AS DOUBLE))) AS regular "
                             "FROM g",
                 "WITH pairs AS (SELECT DISTINCT user_id, ip FROM events), per_ip AS (SELECT "
                 "ip, count(*) AS k FROM pairs GROUP BY 1) SELECT user_id, max(k), count(*) "
                 "FROM pairs JOIN per_ip USING (ip) GROUP BY 1"],
    "outlier-days": [W + " SELECT cohort, CAST(ts AS DATE) AS day, count(*) FROM ev WHERE "
                         "content IS NOT NULL GROUP BY 1, 2"],
}
# The narrower hand queries of the first version of this bench (they answer less: no last
# seen, no items after the end, no readers rule or people, no pauses or accounts per IP),
# kept as a second, stricter yardstick: ``ratio_to_core``.
CORE = {
    "quiet": W + " SELECT user_id, cohort, count(*) AS n, count(DISTINCT CAST(ts AS DATE)) AS "
                 "days FROM ev WHERE content IS NOT NULL AND ts >= start_date AND ts < "
                 "end_date + INTERVAL 1 DAY GROUP BY 1, 2",
    "after-end": W + " SELECT user_id, count(*) AS n, count(DISTINCT CAST(ts AS DATE)) AS "
                     "days, max(ts) AS last FROM ev WHERE content IS NOT NULL AND ts >= "
                     "end_date + INTERVAL 1 DAY GROUP BY 1",
    "cross-program": W + ", s AS (SELECT split_part(content, '/', 1) AS section, program, "
                         "count(*) AS k FROM ev WHERE content IS NOT NULL GROUP BY 1, 2), "
                         "o AS (SELECT section, arg_max(program, k) AS owner FROM s GROUP BY "
                         "1 HAVING max(k) >= 0.75 * sum(k)) SELECT CAST(ts AS DATE) AS day, "
                         "count(*) FILTER (WHERE owner <> program) AS x, count(*) AS n FROM "
                         "ev JOIN o ON split_part(ev.content, '/', 1) = o.section GROUP BY 1",
    "scrapers": W + ", q AS (SELECT e.user_id, e.ts FROM events e JOIN paths p ON p.path = "
                    "e.path WHERE p.content IS NOT NULL) SELECT user_id, max(n) AS burst "
                    "FROM (SELECT user_id, count(*) OVER (PARTITION BY user_id ORDER BY ts "
                    "RANGE BETWEEN INTERVAL 20 SECOND PRECEDING AND CURRENT ROW) AS n FROM q) "
                    "GROUP BY 1",
}
# The outlier days by hand: the daily series above, the registered detector on each series
# (it has no SQL form; one call per series, as a user would write it), the flagged days'
# most read item and busiest person.
OUTLIER_HAND = """
import numpy as np, pandas as pd
from applens.anomalies.registry import get_detector
daily = con.execute(HAND[0]).df()
t_sql = time.perf_counter() - t
flagged = []
for cohort, part in daily.groupby('cohort', sort=True):
    s = part.set_index(pd.to_datetime(part['day']))['count_star()']
    s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq='D'), fill_value=0)
    found = get_detector('default', min_volume=10.0).fit_detect(s.to_numpy(float), s.index)
    flagged += [(abs(s.iloc[i] - found.expected[i]) / (found.expected[i] + 1) ** 0.5, cohort,
                 s.index[i].date()) for i in np.flatnonzero(found.alert)]
flagged = [f[1:] for f in sorted(flagged, key=lambda f: -f[0])[:50]]  # the 50 shown
con.execute(W + ", f AS (SELECT unnest(?::VARCHAR[]) AS cohort, unnest(?::DATE[]) AS day) "
            "SELECT f.cohort, f.day, mode(content), mode(user_id) FROM ev JOIN f ON "
            "ev.cohort = f.cohort AND CAST(ev.ts AS DATE) = f.day WHERE content IS NOT NULL "
            "GROUP BY 1, 2", [[c for c, _ in flagged], [d for _, d in flagged]]).fetchall()
"""


def check(db: str) -> None:
    """The hand queries give the product's answers on the generated log (asserted, untimed)."""
    import time

    import duckdb
    import pandas as pd

    sys.path.insert(0, SRC)
    from applens.access import (
        AccessData,
        after_end,
        cross_program,
        outlier_days,
        scrapers,
        top_content,
    )
    from applens.access.people import enrolled_activity

    con = duckdb.connect(db)
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    d = AccessData(con)

    def hand(name: str, i: int = 0) -> pd.DataFrame:
        return con.execute(HAND[name][i]).df()

    def same(mine: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
        mine, theirs = (f.astype(str).sort_values(list(f.columns)).reset_index(drop=True)
                        for f in (mine, theirs))
        theirs.columns = mine.columns
        assert mine.equals(theirs), f"access bench: the hand query for {what} differs"

    top = top_content(d, by="program").table
    same(top[["program", "content", "accesses", "people"]], hand("top"), "top")
    stays = enrolled_activity(d, None, None)
    same(stays.loc[stays["accesses"] > 0, ["user_id", "cohort", "accesses", "active_days",
                                           "last_seen"]], hand("quiet"), "quiet")
    after = after_end(d, n=10**9)
    same(after.table[["user_id", "accesses", "active_days", "last_after"]], hand("after-end"),
         "after-end people")
    same(after.tables["content"], hand("after-end", 1), "after-end items")
    cross = cross_program(d)
    same(cross.tables["daily"][["day", "cross_accesses", "accesses"]],
         hand("cross-program").astype({"day": "datetime64[us]"}), "cross-program daily")
    same(cross.tables["people"][["user_id", "cross_accesses"]],
         hand("cross-program", 1).iloc[:, :2], "cross-program people")
    shown = scrapers(d, entity="user").table.set_index("user_id")
    bursts = hand("scrapers").set_index("user_id").loc[shown.index]
    assert (bursts["burst"] == shown["pages_in_20s"]).all(), "access bench: scrapers bursts"
    crowd = hand("scrapers", 1).set_index("user_id").loc[shown.index]
    assert (crowd.iloc[:, 0] == shown["users_per_ip"]).all(), "access bench: accounts per IP"
    found = {"con": con, "W": W, "HAND": HAND["outlier-days"], "t": time.perf_counter(),
             "time": time}
    exec(OUTLIER_HAND, found)
    days = outlier_days(d, by="cohort").table
    assert set(found["flagged"]) == set(zip(days["cohort"], days["day"], strict=True)), \
        "access bench: outlier days"
    con.close()


def child(db: str, prelude: str, body: str, out: Path) -> str:
    """A child that imports, connects, then times ``body`` alone (``query_seconds``; a body
    that sets ``t_sql`` also reports its SQL part as ``sql_seconds``)."""
    return (f"import json, sys, time; sys.path.insert(0, {SRC!r}); import duckdb\n{prelude}\n"
            f"con = duckdb.connect({db!r}, read_only=False)\n"
            "con.execute(\"SET memory_limit = '1GB'\"); con.execute('SET threads = 2')\n"
            "con.execute('SET enable_progress_bar = false')\n"
            f"t, c = time.perf_counter(), time.process_time()\n{body}\n"
            f"open({str(out)!r}, 'w').write(json.dumps([time.perf_counter() - t, "
            "globals().get('t_sql'), time.process_time() - c]))\n")


def timed(db: str, prelude: str, body: str, out: Path) -> dict[str, float]:
    measured = run_child(child(db, prelude, body, out))
    seconds, sql, cpu = json.loads(out.read_text())
    measured["query_seconds"] = round(seconds, 3)
    measured["query_cpu_seconds"] = round(cpu, 3)  # all threads: steadier on a busy machine
    if sql is not None:
        measured["sql_seconds"] = round(sql, 3)
    return measured


def hand_body(name: str) -> tuple[str, str]:
    """The hand side's prelude and body for question ``name``."""
    if name == "outlier-days":  # the detector is imported before the clock starts
        return (f"W = {W!r}\nHAND = {HAND[name]!r}\nimport numpy, pandas\n"
                "from applens.anomalies.registry import get_detector", OUTLIER_HAND)
    return "", "\n".join(f"con.execute({q!r}).fetchall()" for q in HAND[name])


def main() -> None:
    import duckdb

    with tempfile.TemporaryDirectory(prefix="access-bench-") as tmp:
        db = str(Path(tmp) / "warehouse.duckdb")
        con = duckdb.connect(db)
        for statement in GENERATE.format(rows=ROWS, people=max(ROWS // 500, 200)).split(";"):
            if statement.strip():
                con.execute(statement)
        con.close()
        # In a child, so this process stays small: children fork from it (peak RSS).
        run_child(f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                  f"import access_bench; access_bench.check({db!r})")
        results = {}
        out = Path(tmp) / "seconds.txt"
        timed(db, "", "con.execute('SELECT count(path), count(ip) FROM events').fetchall()", out)
        for name, call in APPLENS.items():
            runs: dict[str, list[dict[str, float]]] = {"hand": [], "mine": []}
            prelude, body = hand_body(name)
            runs["core"] = []
            for _ in range(REPEATS):  # alternating sides; the faster run of each counts
                runs["hand"].append(timed(db, prelude, body, out))
                runs["mine"].append(timed(db, "from applens.access import *",
                                          f"d = AccessData(con)\n{call}", out))
                if name in CORE:
                    runs["core"].append(timed(db, "", f"con.execute({CORE[name]!r}).fetchall()",
                                              out))
            hand = min(runs["hand"], key=lambda r: r["query_seconds"])
            mine = min(runs["mine"], key=lambda r: r["query_seconds"])
            results[name] = {"applens": mine, "hand_duckdb": hand, "ratio": round(
                mine["query_seconds"] / max(hand["query_seconds"], 1e-9), 2),
                "cpu_ratio": round(min(r["query_cpu_seconds"] for r in runs["mine"])
                                   / max(min(r["query_cpu_seconds"] for r in runs["hand"]),
                                         1e-9), 2)}
            if runs["core"]:
                core = min(runs["core"], key=lambda r: r["query_seconds"])
                results[name]["hand_core"] = core
                results[name]["ratio_to_core"] = round(
                    mine["query_seconds"] / max(core["query_seconds"], 1e-9), 2)
                results[name]["cpu_ratio_to_core"] = round(
                    min(r["query_cpu_seconds"] for r in runs["mine"])
                    / max(min(r["query_cpu_seconds"] for r in runs["core"]), 1e-9), 2)
            if "sql_seconds" in hand:  # against the hand SQL alone (the detector is applens')
                results[name]["ratio_to_hand_sql"] = round(
                    mine["query_seconds"] / max(hand["sql_seconds"], 1e-9), 2)
            print(name, results[name], flush=True)
    write_result("access", {"rows": ROWS, "repeats": REPEATS, "people": max(ROWS // 500, 200),
                            "cohorts": 100, "load_average": [round(x, 2) for x in
                                                            os.getloadavg()],
                            "questions": results})


if __name__ == "__main__":
    main()
