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

from applens.access._base import AccessData, Answer, most_common
from applens.access._changepoint import change_points
from applens.ingest.sql import literal

__all__ = ["cross_program", "owners_sql"]

MIN_READERS = 3


def owners_sql(data: AccessData) -> str:
    """SQL with one row per owned content item: ``content, owner``."""
    rules = data.rules.programs
    if rules:
        cases = " ".join(f"WHEN regexp_matches(content, {literal(p)}) THEN {literal(v)}"
                         for p, v in rules.items())
        return ("SELECT content, owner FROM (SELECT DISTINCT content, CASE "
                f"{cases} END AS owner FROM _acc_paths WHERE content IS NOT NULL) "
                "WHERE owner IS NOT NULL")
    share = float(data.options.owner_share)
    section = "split_part(content, '/', 1)"
    return (f"WITH r AS (SELECT {section} AS section, program, count(*) AS hits, "
            "count(DISTINCT user_id) AS people FROM _acc_events WHERE content IS NOT NULL AND "
            "program IS NOT NULL GROUP BY ALL), "
            "t AS (SELECT section, sum(hits) AS total, arg_max(program, hits) AS owner, "
            "max(hits) AS top, sum(people) AS readers FROM r GROUP BY 1) "
            # the items from the path table (every item of the log), not a second scan
            "SELECT DISTINCT p.content, t.owner FROM _acc_paths p JOIN t ON "
            f"split_part(p.content, '/', 1) = t.section WHERE t.top >= {share} * t.total AND "
            f"t.readers >= {MIN_READERS}")


def cross_program(data: AccessData, *, start: datetime | None = None,
                  end: datetime | None = None, n: int = 20, penalty: float = 3.0,
                  min_days: int = 7) -> Answer:
    """Question 4 (see the module docstring)."""
    where, params = data.where(start, end, "e")
    data.con.execute(f"CREATE OR REPLACE TEMP TABLE _acc_owners AS {owners_sql(data)}")
    # One scan for the daily share, the people and each person's cross reads per program
    # (three grouping sets; the last picks other_program with ties to the smaller name).
    # A person's stay: the most frequent (cohort, program) pair, ties to the smallest, so a
    # person who moved cohorts gets the same one every run (any_value did not).
    stay = most_common("struct_pack(cohort := cohort, program := program)")
    both = data.df(
        "WITH x AS (SELECT CAST(e.ts AS DATE) AS day, e.ts, e.program, e.cohort, o.owner, "
        "CASE WHEN o.owner <> e.program THEN e.user_id END AS who FROM _acc_events e JOIN "
        f"_acc_owners o USING (content) WHERE {where} AND e.program IS NOT NULL) "
        "SELECT grouping(day) AS by_person, grouping(owner) = 0 AS by_owner, day, who AS "
        f"user_id, owner, ({stay}).program AS program, ({stay}).cohort AS cohort, "
        "count(who) AS cross_accesses, count(*) AS accesses, min(ts) AS first_cross, "
        "max(ts) AS last_cross FROM x GROUP BY GROUPING SETS ((day), (who), (who, owner))",
        params)
    owners = both[both["by_owner"] & both["user_id"].notna()].sort_values(
        ["user_id", "cross_accesses", "owner"], ascending=[True, False, True]
    ).drop_duplicates("user_id").set_index("user_id")["owner"]
    both = both[~both["by_owner"]].assign(other_program=lambda f: f["user_id"].map(owners))
    daily = both[both["by_person"] == 0][["day", "cross_accesses", "accesses"]].sort_values(
        "day").reset_index(drop=True)
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
    people = both[(both["by_person"] == 1) & both["user_id"].notna()].sort_values(
        ["cross_accesses", "user_id"], ascending=[False, True]).head(n)[
        ["user_id", "program", "cohort", "cross_accesses", "first_cross", "last_cross",
         "other_program"]].reset_index(drop=True)
    data_ = {"change_days": [str(d) for d in changes.get("day", [])],
             "owned_items": int(data.con.execute(
                 "SELECT count(*) FROM _acc_owners").fetchall()[0][0]),
             "cross_share": float(daily["cross_accesses"].sum()
                                  / max(daily["accesses"].sum(), 1)) if len(daily) else np.nan}
    return Answer("cross-program", segments, {"changes": changes, "daily": daily,
                                              "people": people}, data_, list(data.notes))
