"""Question 1: the most and least accessed content per program or cohort.

Definition. Over the range, for each group (program or cohort; staff, placeholder and unknown
cohorts left out) and each content item opened by its members: ``accesses`` (log lines),
``people`` (distinct people) and ``share`` = people / the group's members (people with a stay in
the group overlapping the range). Items are ranked by accesses (``least``: fewest first;
ties by people, then name). ``unopened`` lists, per group, the items of the catalog
(``[content] catalog``; without one, every item anyone opened in the whole log) that no
member opened in the range (groups with members in the range only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd

from applens.access._base import AccessData, Answer
from applens.errors import InvalidParameterError

__all__ = ["GROUPS", "top_content"]

GROUPS = ("program", "cohort")
Group = Literal["program", "cohort"]


def check_group(by: str) -> str:
    if by not in GROUPS:
        raise InvalidParameterError(f"--by must be program or cohort; got {by!r}.")
    return by


def top_content(data: AccessData, *, by: Group = "program", start: datetime | None = None,
                end: datetime | None = None, n: int = 10, least: bool = False,
                group: str | None = None) -> Answer:
    """Question 1 (see the module docstring)."""
    by = check_group(by)  # type: ignore[assignment]
    where, _ = data.where(start, end)
    only = f" AND {by} = ?" if group is not None else ""
    order = "ASC" if least else "DESC"
    members_where = "true"
    members_params: list[object] = []
    if end is not None:
        members_where += " AND (start_date IS NULL OR start_date < ?)"
        members_params.append(end)
    if start is not None:
        members_where += " AND (end_date IS NULL OR end_date >= ?)"
        members_params.append(start)
    # One scan: every (group, item) opened in the range, staff's with no group.
    data.con.execute(
        "CREATE OR REPLACE TEMP TABLE _acc_opened AS SELECT " + by + " AS grp, content, "
        "count(*) AS accesses, count(DISTINCT user_id) AS people FROM _acc_events "
        f"WHERE {where} AND content IS NOT NULL GROUP BY ALL", data.where(start, end)[1])
    frame = data.df(
        "WITH per AS (SELECT * FROM _acc_opened WHERE grp IS NOT NULL"
        f"{only.replace(by, 'grp')}), "
        f"size AS (SELECT {by} AS grp, count(DISTINCT user_id) AS members FROM _acc_members "
        f"WHERE {members_where} GROUP BY 1) "
        "SELECT per.grp AS " + by + ", content, accesses, people, "
        "people / greatest(coalesce(size.members, people), people) AS share, "
        f"row_number() OVER (PARTITION BY per.grp ORDER BY accesses {order}, people {order}, "
        "content) AS rank FROM per LEFT JOIN size USING (grp) "
        f"QUALIFY rank <= {int(n)} ORDER BY 1, rank",
        ([str(group)] if group is not None else []) + members_params)
    catalog = data.catalog()
    if catalog is None:
        items = "SELECT DISTINCT content FROM _acc_paths WHERE content IS NOT NULL"
        cat_params: list[object] = []
    else:
        items = "SELECT unnest(?::VARCHAR[]) AS content"
        cat_params = [catalog]
    unopened = data.df(
        f"WITH items AS ({items}), groups AS (SELECT DISTINCT {by} AS grp FROM _acc_members "
        f"WHERE {members_where} AND {by} IS NOT NULL"
        f"{' AND ' + by + ' = ?' if group is not None else ''}) "
        f"SELECT g.grp AS {by}, i.content FROM groups g CROSS JOIN items i "
        "WHERE NOT EXISTS (SELECT 1 FROM _acc_opened o WHERE o.grp = g.grp AND o.content = "
        "i.content) ORDER BY 1, 2",
        cat_params + members_params + ([str(group)] if group is not None else []))
    opened = set(data.df("SELECT DISTINCT content FROM _acc_opened")["content"])
    nobody = sorted(set(catalog) - opened) if catalog is not None else []
    answer = Answer("top", frame, {"unopened": unopened,
                                   "nobody_opened": pd.DataFrame({"content": nobody})},
                    {"by": by, "least": least, "groups": int(frame[by].nunique()) if len(frame)
                     else 0, "nobody_opened": nobody}, list(data.notes))
    if catalog is None:
        answer.notes.append("No [content] catalog: 'unopened' compares each group with the "
                            "items anyone opened in the whole log.")
    return answer
