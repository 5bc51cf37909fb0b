"""The six access questions against a hand-written DuckDB query for each, side by side.

    .venv/bin/python benchmarks/access_bench.py            # APPLENS_BENCH_ACCESS_ROWS=10000000

A synthetic curriculum log of ROWS requests (ROWS/500 people in 100 cohorts, 20 sections of
50 lessons, query strings, ``.html`` and 5% assets, one staff cohort) is generated in DuckDB
into a warehouse file. Each question then runs in its own child process twice: through
``applens.access`` (building its ``AccessData`` as a command does) and as one hand-written
DuckDB query that computes the same table (the same path rules, written inline and run once
per distinct path, as applens runs them: the strong baseline, not the naive per-row one). Each child
imports first, then times the question alone (``query_seconds``: the applens side includes
building ``AccessData``), and reports its wall seconds and peak RSS (imports included; importing
applens.access costs ~2 s of CPU for pandas, pydantic and the models package). The ratio of
query seconds applens / hand is what the issue bounds (1.5x) and the peak RSS what it bounds at
2 GB (DuckDB memory_limit 1 GB as in a workspace, 2 threads).
Output: benchmarks/results/access.json.

What each hand query computes, against the product's answer: ``top``, ``quiet`` and
``scrapers`` compute the main table's counts (the product adds the members per group and
unopened items; last seen; the pause statistics of the shared rhythm rule, accounts per IP
and IPs per day, and the evidence of the flagged). ``after-end`` computes the per-person
table only (the product also ranks each program's items read after the end, with distinct
people). ``cross-program`` computes owners and the daily share (the product adds the people
and change points). ``outlier-days`` computes the daily requests per cohort, the series the
product hands to its registered detector (``default``: seasonal, level and level-shift
baselines, self-calibrated, in Python per series): the detector has no SQL form, so its
time is applens' alone.
"""

from __future__ import annotations

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
HAND = {
    "top": W + " SELECT program, content, count(*) AS n, count(DISTINCT user_id) AS people "
                  "FROM ev WHERE content IS NOT NULL GROUP BY 1, 2 QUALIFY row_number() OVER "
                  "(PARTITION BY program ORDER BY count(*) DESC) <= 10",
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
    "outlier-days": W + " SELECT cohort, CAST(ts AS DATE) AS day, count(*) FROM ev WHERE "
                           "content IS NOT NULL GROUP BY 1, 2",
}


def child(db: str, prelude: str, body: str, out: Path) -> str:
    """A child that imports, connects, then times ``body`` alone (``query_seconds``)."""
    return (f"import sys, time; sys.path.insert(0, {SRC!r}); import duckdb\n{prelude}\n"
            f"con = duckdb.connect({db!r}, read_only=False)\n"
            "con.execute(\"SET memory_limit = '1GB'\"); con.execute('SET threads = 2')\n"
            "con.execute('SET enable_progress_bar = false')\n"
            f"t = time.perf_counter()\n{body}\n"
            f"open({str(out)!r}, 'w').write(str(time.perf_counter() - t))\n")


def timed(db: str, prelude: str, body: str, out: Path) -> dict[str, float]:
    measured = run_child(child(db, prelude, body, out))
    measured["query_seconds"] = round(float(out.read_text()), 3)
    return measured


def main() -> None:
    import duckdb

    with tempfile.TemporaryDirectory(prefix="access-bench-") as tmp:
        db = str(Path(tmp) / "warehouse.duckdb")
        con = duckdb.connect(db)
        for statement in GENERATE.format(rows=ROWS, people=max(ROWS // 500, 200)).split(";"):
            if statement.strip():
                con.execute(statement)
        con.close()
        results = {}
        out = Path(tmp) / "seconds.txt"
        timed(db, "", "con.execute('SELECT count(path), count(ip) FROM events').fetchall()", out)
        for name, call in APPLENS.items():
            runs: dict[str, list[dict[str, float]]] = {"hand": [], "mine": []}
            for _ in range(REPEATS):  # alternating sides; the faster run of each counts
                runs["hand"].append(timed(db, "", f"con.execute({HAND[name]!r}).fetchall()",
                                          out))
                runs["mine"].append(timed(db, "from applens.access import *",
                                          f"d = AccessData(con)\n{call}", out))
            hand = min(runs["hand"], key=lambda r: r["query_seconds"])
            mine = min(runs["mine"], key=lambda r: r["query_seconds"])
            results[name] = {"applens": mine, "hand_duckdb": hand, "ratio": round(
                mine["query_seconds"] / max(hand["query_seconds"], 1e-9), 2)}
            print(name, results[name], flush=True)
    write_result("access", {"rows": ROWS, "repeats": REPEATS, "people": max(ROWS // 500, 200),
                            "cohorts": 100, "questions": results})


if __name__ == "__main__":
    main()
