"""Tied answers never change between runs: the same log in two row orders gives the same
tables, and each tie goes the documented way (most frequent, then smallest; earliest window;
ranking ties by id)."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import ibis
import numpy as np
import pandas as pd

from applens._rhythm import pause_stats, pause_stats_sql
from applens.access import AccessData, after_end, cross_program, scrapers
from applens.access._base import most_common

START = datetime(2021, 3, 1, 9)


def test_most_common_breaks_ties_by_the_smallest_value_in_any_row_order():
    rows = [("g", "b"), ("g", "a"), ("g", "b"), ("g", "a"), ("g", "c"), ("h", "z"), ("h", "y"),
            ("h", "z"), ("k", None)]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(len(rows))
        frame = pd.DataFrame([rows[i] for i in order], columns=["g", "v"])  # noqa: F841
        got = dict(con.execute(f"SELECT g, {most_common('v')} FROM frame GROUP BY 1").fetchall())
        assert got == {"g": "a", "h": "z", "k": None}


def _log() -> pd.DataFrame:
    """Five accounts reading one page every 3 s (a metronome, tied on every ranking key and
    with many equally busy 20 s windows each), and one human."""
    rows = [(START + timedelta(seconds=3 * k), f"a{u}", f"/s/lesson-{k}", f"10.0.{u}.1")
            for u in range(5) for k in range(40)]
    rng = np.random.default_rng(3)
    rows += [(START + timedelta(seconds=int(s)), "human", f"/s/lesson-{k}", "10.9.9.9")
             for k, s in enumerate(np.cumsum(rng.exponential(200, 40)))]
    frame = pd.DataFrame(rows, columns=["ts", "user_id", "path", "ip"])
    return frame.assign(event="pageview", cohort="1")


def _scrapers(frame: pd.DataFrame) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("CREATE TABLE memberships AS SELECT '1' AS cohort, NULL::VARCHAR AS user_id, "
                "'p' AS program, 'C1' AS name, TIMESTAMP '2021-01-01' AS start_date, "
                "TIMESTAMP '2021-06-01' AS end_date, 1 AS _ingest_id")
    con.execute("CREATE TABLE events AS SELECT * FROM frame")
    return scrapers(AccessData(con), entity="user", n=3).table


def test_scrapers_ties_are_the_same_in_any_row_order():
    log = _log()
    first = _scrapers(log)
    for seed in range(3):
        shuffled = log.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        pd.testing.assert_frame_equal(_scrapers(shuffled), first)
    # The five tie on every ranking key: the smallest ids are shown.
    assert first["user_id"].tolist() == ["a0", "a1", "a2"]
    # Every 20 s window holds 7 requests: the evidence is the earliest such window.
    assert (first["pages_in_20s"] == 7).all()
    assert (first["window_end"] == START + timedelta(seconds=18)).all()


def test_pause_stats_sql_on_given_pauses_is_pause_stats():
    log = _log()  # noqa: F841 (DuckDB reads the frame by name)
    con = duckdb.connect()
    con.execute("CREATE TABLE rows_ AS SELECT user_id, ts FROM log")
    want = pause_stats(ibis.duckdb.from_connection(con).table("rows_"), key="user_id", ts="ts",
                       max_gap_s=1800.0).execute().set_index("user_id").sort_index()
    inner, outer = pause_stats_sql("gap", max_gap_s=1800.0)
    got = con.execute(
        f"WITH g AS (SELECT user_id, CAST(epoch(ts) - epoch(lag(ts) OVER (PARTITION BY user_id "
        f"ORDER BY ts)) AS DOUBLE) AS gap FROM rows_), a AS (SELECT user_id, {inner} FROM g "
        f"GROUP BY 1) SELECT user_id, n_gaps, median_gap_s, {outer} FROM a").df()
    got = got.set_index("user_id").sort_index()
    cols = ["n_gaps", "median_gap_s", "regular_share"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_dtype=False)
    assert want.loc["a0", "regular_share"] == 1.0
    assert want.loc["human", "regular_share"] < 0.5


def _mover_log() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A person in two cohorts at once (both ending the same day, reading as much in each),
    three members of the program that owns the section, and a read after the end."""
    day = datetime(2021, 3, 1)
    stays = [("1", None, "q", "C1"), ("2", None, "p", "C2"), ("3", None, "r", "C3"),
             ("1", "mover", "q", None), ("2", "mover", "p", None)]
    stays += [("3", f"r{k}", "r", None) for k in range(3)]
    members = pd.DataFrame(
        [(c, u, p, n, datetime(2021, 1, 1), datetime(2021, 6, 1), i)
         for i, (c, u, p, n) in enumerate(stays)],
        columns=["cohort", "user_id", "program", "name", "start_date", "end_date", "_ingest_id"])
    rows = [(day + timedelta(minutes=k), f"r{u}", "3", f"/r/lesson-{k}")
            for u in range(3) for k in range(10)]
    rows += [(day + timedelta(hours=1, minutes=k), "mover", cohort, f"/r/lesson-{k}")
             for cohort, reads in (("1", 2), ("2", 1)) for k in range(reads)]
    rows.append((datetime(2021, 7, 1), "mover", "2", "/r/lesson-9"))  # 2 cross reads each
    events = pd.DataFrame(rows, columns=["ts", "user_id", "cohort", "path"])
    return members, events.assign(event="pageview")


def _mover_answers(members: pd.DataFrame, events: pd.DataFrame) -> tuple[dict, dict]:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("CREATE TABLE memberships AS SELECT * FROM members")
    con.execute("CREATE TABLE events AS SELECT * FROM events")
    data = AccessData(con)
    cross = cross_program(data).tables["people"].set_index("user_id")
    after = after_end(data).table.set_index("user_id")
    return (cross.loc["mover", ["program", "cohort"]].to_dict(),
            after.loc["mover", ["program", "cohort"]].to_dict())


def test_a_person_in_two_cohorts_gets_the_same_stay_in_any_row_order():
    members, events = _mover_log()
    for seed in range(4):
        got = _mover_answers(members.sample(frac=1.0, random_state=seed),
                             events.sample(frac=1.0, random_state=seed))
        # Cross reads tie between the stays, and the stays end the same day: the smallest
        # cohort wins, with its own program (not the smallest program of another cohort).
        assert got == ({"program": "q", "cohort": "1"}, {"program": "q", "cohort": "1"})


def _twice_log() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A person with two stays in one cohort under two programs (the second ends later), and
    a cohort whose stays name two programs equally often; everyone reads after the end."""
    stays = [("1", None, "q", "C1", datetime(2021, 1, 1), datetime(2021, 3, 1)),
             ("1", "twice", "q", None, datetime(2021, 1, 1), datetime(2021, 3, 1)),
             ("1", "twice", "z", None, datetime(2021, 2, 1), datetime(2021, 6, 1)),
             ("1", "a", "z", None, datetime(2021, 1, 1), datetime(2021, 3, 1)),
             ("1", "b", "q", None, datetime(2021, 1, 1), datetime(2021, 3, 1))]
    members = pd.DataFrame([(*s, i) for i, s in enumerate(stays)], columns=[
        "cohort", "user_id", "program", "name", "start_date", "end_date", "_ingest_id"])
    rows = [(datetime(2021, 2, 10) + timedelta(days=k), u, "1", f"/r/lesson-{k}")
            for u in ("twice", "a", "b") for k in range(3)]
    rows += [(datetime(2021, 7, 1), u, "1", "/r/lesson-9") for u in ("twice", "a", "b")]
    events = pd.DataFrame(rows, columns=["ts", "user_id", "cohort", "path"])
    return members, events.assign(event="pageview")


def test_two_stays_in_one_cohort_and_a_cohort_of_two_programs_in_any_row_order():
    from applens.access.people import enrolled_activity

    members, events = _twice_log()
    seen = set()
    for seed in range(6):
        con = duckdb.connect()
        con.execute("SET threads = 2")
        shuffled_members = members.sample(frac=1.0, random_state=seed)  # noqa: F841
        shuffled_events = events.sample(frac=1.0, random_state=seed)  # noqa: F841
        con.execute("CREATE TABLE memberships AS SELECT * FROM shuffled_members")
        con.execute("CREATE TABLE events AS SELECT * FROM shuffled_events")
        data = AccessData(con)
        stay = enrolled_activity(data, None, None).set_index("user_id").loc["twice"]
        cohorts = after_end(data).tables["cohorts"].set_index("cohort")
        # The stay that ends last decides the program and the window, never the other one.
        assert stay["program"] == "z"
        assert pd.Timestamp(stay["w0"]) == pd.Timestamp(2021, 2, 1)
        # Feb 10-12 lie in both stays: each request once; enrolled Jan 1 to Jun 1 + grace
        assert (stay["accesses"], stay["active_days"]) == (3, 3)
        grace = data.options.grace_days + 1
        assert stay["enrolled_days"] == (datetime(2021, 6, 1) - datetime(2021, 1, 1)).days + grace
        # Two programs named twice each: the smaller one.
        assert cohorts.loc["1", "program"] == "q"
        seen.add((stay["program"], str(stay["w0"]), str(stay["w1"]), cohorts.loc["1", "program"]))
    assert len(seen) == 1
