"""Questions 2 and 3: quiet members while enrolled, and access after the end.

**Quiet** (``by="person"``). For each stay (person in cohort) the enrolled window is the stay's
``[start, end]`` (end date inclusive, plus ``grace_days``) cut to the range. ``accesses`` and
``active_days`` count the person's content requests in that window. Within each cohort the
chosen metric (``active_days`` default) is compared with the cohort by a robust z score,
``(x - median) / (1.4826 * MAD)`` (when MAD is 0: ``1.2533 * mean absolute deviation``; with
both 0 or fewer than 5 members, no score), and a ``percentile`` (share of the cohort at or
below ``x``). ``quiet`` is ``z <= quiet_z`` (default -2). ``last_seen`` is the person's last
request ever.

Two stays of one person in one cohort count the union of their windows (a request in both,
once).

**Quiet** (``by="cohort"``). Per cohort: members, accesses and ``rate`` = accesses per member
per enrolled day; the robust z compares each cohort with all cohorts of the range.

**After the end.** A person's end is the latest end of their stays (a person who moved
cohorts ends with the last one). Requests after that day (plus ``grace_days``) are after the
end; per person: how many, on how many days, first and last, days from the end to the last
one, and the most read items. Per cohort: people who did it, their share of the cohort, and
the requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import numpy as np
import pandas as pd

from applens.access._base import AccessData, Answer, most_common
from applens.errors import InvalidParameterError

__all__ = ["after_end", "enrolled_activity", "quiet_from", "quiet_members", "robust_z"]

MIN_GROUP = 5
_LAST = "ORDER BY w1 DESC NULLS LAST, w0, program"


def robust_z(values: pd.Series) -> pd.Series:
    """``(x - median) / (1.4826 MAD)``; NaN below ``MIN_GROUP`` values or without spread."""
    x = values.astype(float)
    if x.notna().sum() < MIN_GROUP:
        return pd.Series(np.nan, index=x.index)
    med = x.median()
    scale = 1.4826 * (x - med).abs().median()
    if not scale > 0:
        scale = 1.2533 * (x - x.mean()).abs().mean()
    if not scale > 0:
        return pd.Series(np.nan, index=x.index)
    return (x - med) / scale


def _window(data: AccessData, start: datetime | None, end: datetime | None) -> tuple[str, list]:
    grace = int(data.options.grace_days) + 1
    lo = "coalesce(m.start_date, TIMESTAMP '1900-01-01')"
    hi = f"coalesce(m.end_date + INTERVAL {grace} DAY, TIMESTAMP '2999-01-01')"
    params: list[object] = []
    if start is not None:
        lo = f"greatest({lo}, ?)"
        params.append(start)
    if end is not None:
        hi = f"least({hi}, ?)"
        params.append(end)
    return f"SELECT m.*, {lo} AS w0, {hi} AS w1 FROM _acc_members m", params


def quiet_members(data: AccessData, *, by: Literal["person", "cohort"] = "person",
                  start: datetime | None = None, end: datetime | None = None,
                  metric: Literal["active_days", "accesses"] = "active_days",
                  n: int = 20) -> Answer:
    """Question 2 (see the module docstring)."""
    if by not in ("person", "cohort"):
        raise InvalidParameterError(f"--by must be person or cohort; got {by!r}.")
    if metric not in ("active_days", "accesses"):
        raise InvalidParameterError(f"--metric must be active_days or accesses; got {metric!r}.")
    frame = enrolled_activity(data, start, end)
    return quiet_from(frame, data, by=by, metric=metric, n=n)


def enrolled_activity(data: AccessData, start: datetime | None, end: datetime | None
                      ) -> pd.DataFrame:
    """Per stay: its enrolled window, accesses and active days in it, and ``last_seen`` (the
    person's last request ever, from the table ``AccessData`` built with its first scan)."""
    stays, params = _window(data, start, end)
    return data.df(
        f"WITH m AS ({stays}), m2 AS (SELECT * FROM m WHERE w1 > w0), "
        # Two stays of one person in one cohort may overlap: their windows are merged into
        # disjoint spans first, so a request in both is counted once and the enrolled days
        # are the union's.
        "r AS (SELECT user_id, cohort, w0, w1, max(w1) OVER (PARTITION BY user_id, cohort "
        "ORDER BY w0, w1 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach FROM m2), "
        "u AS (SELECT user_id, cohort, min(w0) AS w0, max(w1) AS w1 FROM (SELECT *, "
        "sum(CASE WHEN reach IS NULL OR w0 > reach THEN 1 ELSE 0 END) OVER (PARTITION BY "
        "user_id, cohort ORDER BY w0, w1 ROWS UNBOUNDED PRECEDING) AS island FROM r) "
        "GROUP BY user_id, cohort, island), "
        "d AS (SELECT user_id, cohort, sum(epoch(w1) - epoch(w0)) / 86400 AS enrolled_days "
        "FROM u GROUP BY 1, 2), "
        "a AS (SELECT u.user_id, u.cohort, count(*) AS accesses, "
        f"count(DISTINCT CAST(e.ts AS DATE)) AS active_days FROM {data.PAGES} e JOIN u "
        "USING (user_id) WHERE e.ts >= u.w0 AND e.ts < u.w1 GROUP BY 1, 2), "
        # Two stays of one person in one cohort: the one ending last (then starting first,
        # then the smaller program) gives program and window, every run (any_value did not).
        f"s AS (SELECT user_id, cohort, first(program {_LAST}) AS program, first(w0 {_LAST}) "
        f"AS w0, first(w1 {_LAST}) AS w1 FROM m2 GROUP BY 1, 2) "
        "SELECT s.*, coalesce(a.accesses, 0) AS accesses, coalesce(a.active_days, 0) AS "
        "active_days, last.last_seen, d.enrolled_days FROM s JOIN d USING (user_id, cohort) "
        "LEFT JOIN a USING (user_id, cohort) LEFT JOIN "
        f"({data.last_seen_sql}) last USING (user_id) ORDER BY 2, 1", params)


def quiet_from(frame: pd.DataFrame, data: AccessData, *, by: str, metric: str = "active_days",
               n: int = 20) -> Answer:
    """Question 2 from ``enrolled_activity``'s table (the overview asks both ways of one)."""
    frame = frame.copy()
    if by == "cohort":
        frame["days"] = frame["enrolled_days"].astype(float).clip(lower=1)
        per = frame.groupby("cohort").agg(program=("program", "first"),
                                          members=("user_id", "nunique"),
                                          accesses=("accesses", "sum"),
                                          member_days=("days", "sum"),
                                          last_seen=("last_seen", "max")).reset_index()
        per["rate"] = per["accesses"] / per["member_days"]
        per["z"] = robust_z(per["rate"])
        per["percentile"] = per["rate"].rank(pct=True, method="max")
        per["quiet"] = per["z"] <= data.options.quiet_z
        table = per.sort_values(["z", "rate", "cohort"], na_position="last").head(n)
        return Answer("quiet", table.reset_index(drop=True), {},
                      {"by": by, "quiet": table.loc[table["quiet"], "cohort"].tolist()},
                      list(data.notes))
    frame["z"] = frame.groupby("cohort")[metric].transform(robust_z)
    frame["percentile"] = frame.groupby("cohort")[metric].rank(pct=True, method="max")
    frame["quiet"] = frame["z"] <= data.options.quiet_z
    table = frame.drop(columns=["w0", "w1", "enrolled_days"]).sort_values(
        ["z", metric, "user_id"], na_position="last").head(n)
    return Answer("quiet", table.reset_index(drop=True), {},
                  {"by": by, "metric": metric,
                   "quiet": table.loc[table["quiet"], "user_id"].tolist()}, list(data.notes))


def after_end(data: AccessData, *, start: datetime | None = None, end: datetime | None = None,
              n: int = 20) -> Answer:
    """Question 3 (see the module docstring)."""
    where, params = data.where(start, end, "e")
    grace = int(data.options.grace_days) + 1
    # One scan: the requests after each person's end go to a temp table, as narrow as it can
    # be (the person's cohort, program and end join back after the aggregation). Two stays
    # ending the same day: the smallest cohort, every run (arg_max picked either).
    last = "ORDER BY end_date DESC, cohort, program"
    data.con.execute(
        "CREATE OR REPLACE TEMP TABLE _acc_ends AS SELECT user_id, max(end_date) AS ended, "
        f"first(cohort {last}) AS cohort, first(program {last}) AS program FROM "
        "_acc_members GROUP BY 1 HAVING count(end_date) = count(*)")
    # The per-person table in one aggregating scan (the rows after the end can be most of
    # a log: they are never materialized).
    after = f"{where} AND e.ts >= n.ended + INTERVAL {grace} DAY"
    people = data.df(
        "WITH p AS (SELECT user_id, count(*) AS accesses, count(DISTINCT CAST(e.ts AS DATE)) "
        "AS active_days, min(e.ts) AS first_after, max(e.ts) AS last_after FROM "
        f"{data.PAGES} e JOIN _acc_ends n USING (user_id) WHERE {after} GROUP BY 1) "
        "SELECT p.user_id, n.cohort, n.program, CAST(n.ended AS DATE) AS ended, p.accesses, "
        "p.active_days, p.first_after, p.last_after, date_diff('day', n.ended, p.last_after) "
        "AS days_after_end FROM p JOIN _acc_ends n USING (user_id) ORDER BY active_days DESC, "
        "accesses DESC, user_id", params)
    shown = people["user_id"].head(n).tolist()  # their most read items: for the shown only
    tops = data.df(
        "WITH top AS (SELECT e.user_id, e.content, count(*) AS k FROM (SELECT CAST(e.user_id AS "
        "VARCHAR) AS user_id, e.ts, p.content FROM (SELECT * FROM events WHERE CAST(user_id AS "
        "VARCHAR) IN (SELECT unnest(?::VARCHAR[]))) e JOIN _acc_paths p ON p.path = e.path "
        f"WHERE p.content IS NOT NULL) e JOIN _acc_ends n USING (user_id) WHERE {after} "
        "GROUP BY 1, 2 QUALIFY row_number() OVER (PARTITION BY e.user_id ORDER BY k DESC, "
        "e.content) <= 3) SELECT user_id, string_agg(content, ', ' ORDER BY k DESC, content) "
        "AS top_content FROM top GROUP BY 1", [shown, *params])
    people["top_content"] = people["user_id"].map(dict(zip(
        tops["user_id"], tops["top_content"], strict=True)))
    # A cohort whose stays name different programs: the most frequent, ties to the smallest.
    sizes = data.df(f"SELECT cohort, {most_common('program')} AS program, count(DISTINCT "
                    "user_id) AS members FROM _acc_members GROUP BY 1")
    per = people.groupby("cohort").agg(people=("user_id", "nunique"),
                                       accesses=("accesses", "sum")).reset_index()
    cohorts = sizes.merge(per, on="cohort", how="inner")
    cohorts["share"] = cohorts["people"] / cohorts["members"].clip(lower=1)
    cohorts = cohorts.sort_values(["accesses", "cohort"], ascending=[False, True])
    # The ten items per program by requests first (a small count), then distinct people for
    # those ten only, reading their requests alone: counting people for every item was most
    # of the question's time.
    content = data.df(
        "WITH t AS (SELECT n.program, e.content, count(*) AS accesses FROM "
        f"{data.PAGES} e JOIN _acc_ends n USING (user_id) WHERE {after} GROUP BY 1, 2 "
        "QUALIFY row_number() OVER (PARTITION BY n.program ORDER BY count(*) DESC, e.content) "
        "<= 10) SELECT t.program, t.content, max(t.accesses) AS accesses, count(DISTINCT "
        "e.user_id) AS people FROM (SELECT CAST(e.user_id AS VARCHAR) AS user_id, e.ts, "
        "p.content FROM events e JOIN (SELECT path, content FROM _acc_paths WHERE content IN "
        "(SELECT content FROM t)) p ON p.path = e.path) e JOIN _acc_ends n USING (user_id) "
        "JOIN t ON t.content = e.content AND t.program IS NOT DISTINCT FROM n.program "
        f"WHERE {after} GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2", [*params, *params])
    return Answer("after-end", people.head(n), {"cohorts": cohorts.reset_index(drop=True),
                                                "content": content},
                  {"people": int(len(people)), "accesses": int(people["accesses"].sum())},
                  list(data.notes))
