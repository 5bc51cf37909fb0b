"""Question 4: cross-program access, and when it started and stopped.

Definition. Each content item has an owning program: the first ``[content] programs`` rule
(regex -> program) that matches it, else the program whose members made at least
``owner_share`` (default 75%) of all members' requests for the item's section (its first path
segment, e.g. ``java-ii``; at least 3 readers); items without an owner (shared pages such as
the home page or search) are not counted either way. Sections, not single items, so that an
item many outsiders read keeps its owner. A request is *cross-program* when a
member of program A opens an item owned by program B. The daily share is cross-program
requests / requests for owned items, per UTC day with any. Change points on that share
(binary segmentation, ``access._changepoint``) split the range into segments with their mean
share, so a policy change ("access was cut on date X") is found in the data, not assumed.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from applens.access._base import AccessData, Answer
from applens.access._changepoint import change_points

__all__ = ["cross_program"]

MIN_READERS = 3


def _owners_sql(data: AccessData) -> str:
    """SQL with one row per owned unit, ``unit, owner``, from ``_acc_xcounts``."""
    if data.rules.programs:
        return "SELECT DISTINCT unit, unit AS owner FROM _acc_paths WHERE unit IS NOT NULL"
    share = float(data.options.owner_share)
    return ("WITH h AS (SELECT unit, program, sum(hits) AS hits FROM _acc_xcounts WHERE "
            "by_person = 0 GROUP BY 1, 2), r AS (SELECT x.unit, y.program, count(DISTINCT "
            "x.user_id) AS people FROM _acc_xcounts x JOIN _acc_cohorts y USING (cohort) WHERE "
            "x.by_person = 1 GROUP BY 1, 2), "
            "t AS (SELECT unit, sum(hits) AS total, arg_max(program, hits) AS owner, "
            "max(hits) AS top, sum(people) AS readers FROM h JOIN r USING (unit, program) "
            f"GROUP BY 1) SELECT unit, owner FROM t WHERE top >= {share} * total AND "
            f"readers >= {MIN_READERS}")


def cross_program(data: AccessData, *, start: datetime | None = None,
                  end: datetime | None = None, n: int = 20, penalty: float = 3.0,
                  min_days: int = 7) -> Answer:
    """Question 4 (see the module docstring)."""
    con = data.con
    where, params = data.where(start, end, "e")
    # One scan for everything: requests per (day, unit, program) and per (person, unit,
    # cohort) (the cohort gives the program). Owners read all requests (the range does not
    # change who owns a section); the answer counts those in the range (the FILTERs).
    ranged = "FILTER (WHERE r)" if params else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _acc_xcounts AS WITH x AS (SELECT CAST(e.ts AS DATE) AS "
        f"day, e.ts, e.user_id, e.cohort, e.program, e.unit, {where} AS r FROM _acc_events e "
        "WHERE e.program IS NOT NULL AND e.unit IS NOT NULL) "
        "SELECT grouping(day) AS by_person, day, unit, program, user_id, cohort, count(*) AS "
        f"hits, count(*) {ranged} AS accesses, count(user_id) {ranged} AS named, "
        f"min(ts) {ranged} AS first_ts, max(ts) {ranged} AS last_ts FROM x GROUP BY GROUPING "
        "SETS ((day, unit, program), (user_id, unit, cohort))", params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _acc_unit_owners AS {_owners_sql(data)}")
    con.execute("CREATE OR REPLACE TEMP TABLE _acc_owners AS SELECT DISTINCT p.content, "
                "o.owner FROM _acc_paths p JOIN _acc_unit_owners o USING (unit)")
    daily = data.df(  # count(who) before: a request without a person is not cross
        "SELECT day, CAST(coalesce(sum(named) FILTER (WHERE o.owner <> x.program), 0) AS "
        "BIGINT) AS cross_accesses, CAST(sum(accesses) AS BIGINT) AS accesses FROM "
        "_acc_xcounts x JOIN "
        "_acc_unit_owners o USING (unit) WHERE by_person = 0 GROUP BY 1 HAVING sum(accesses) > 0 "
        "ORDER BY 1")
    # A person's stay: the most frequent (cohort, program) pair of their cross requests,
    # ties to the smallest, and the other program: most read, ties to the smaller name, so
    # a person who moved cohorts gets the same one every run.
    people = data.df(
        "WITH c AS (SELECT x.user_id, x.cohort, y.program, o.owner, x.accesses AS k, "
        "x.first_ts, x.last_ts FROM _acc_xcounts x JOIN _acc_unit_owners o USING (unit) JOIN "
        "_acc_cohorts y USING (cohort) WHERE "
        "by_person = 1 AND x.user_id IS NOT NULL AND x.accesses > 0 AND o.owner <> y.program), "
        "stay AS (SELECT user_id, first(cohort ORDER BY k DESC, cohort, program) AS cohort, "
        "first(program ORDER BY k DESC, cohort, program) AS program FROM (SELECT user_id, "
        "cohort, program, sum(k) AS k FROM c GROUP BY ALL) GROUP BY 1), "
        "other AS (SELECT user_id, first(owner ORDER BY k DESC, owner) AS other_program FROM "
        "(SELECT user_id, owner, sum(k) AS k FROM c GROUP BY ALL) GROUP BY 1) "
        "SELECT user_id, stay.program, stay.cohort, CAST(sum(k) AS BIGINT) AS cross_accesses, "
        "min(first_ts) AS first_cross, max(last_ts) AS last_cross, other.other_program FROM c "
        "JOIN stay USING (user_id) JOIN other USING (user_id) GROUP BY ALL "
        "ORDER BY cross_accesses DESC, user_id LIMIT ?", [int(n)])
    con.execute("DROP TABLE _acc_xcounts")
    daily["share"] = daily["cross_accesses"] / daily["accesses"].clip(lower=1)
    cuts = change_points(daily["share"].to_numpy(), min_size=min_days, penalty=penalty)
    bounds = [0, *cuts, len(daily)]
    segments = pd.DataFrame([
        {"first_day": daily["day"].iloc[a], "last_day": daily["day"].iloc[b - 1],
         "days": b - a, "share": float(daily["cross_accesses"].iloc[a:b].sum()
                                       / max(daily["accesses"].iloc[a:b].sum(), 1)),
         "cross_accesses": int(daily["cross_accesses"].iloc[a:b].sum())}
        for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a])
    changes = pd.DataFrame([
        {"day": daily["day"].iloc[k], "share_before": segments["share"].iloc[i],
         "share_after": segments["share"].iloc[i + 1],
         "direction": "up" if segments["share"].iloc[i + 1] > segments["share"].iloc[i]
         else "down"} for i, k in enumerate(cuts)])
    data_ = {"change_days": [str(d) for d in changes.get("day", [])],
             "owned_items": int(data.con.execute(
                 "SELECT count(*) FROM _acc_owners").fetchall()[0][0]),
             "cross_share": float(daily["cross_accesses"].sum()
                                  / max(daily["accesses"].sum(), 1)) if len(daily) else np.nan}
    return Answer("cross-program", segments, {"changes": changes, "daily": daily,
                                              "people": people}, data_, list(data.notes))
