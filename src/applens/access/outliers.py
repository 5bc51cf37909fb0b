"""Question 6: outlier days per cohort, program or person.

Definition. For each entity (cohort, program, or one of the ``top`` busiest people) the
daily count of content requests, zero-filled from its first to its last active day in the
range, goes through a registered anomaly detector (``anomalies.registry``; ``default`` unless
``detector`` names another). Each alerting day is listed with its count, the expected value,
the score, the day's most read item and busiest person, and the ``drill`` command that shows
that day ("what happened on that day" is one command away; the dashboard's Access page turns
it into a link to itself on that day for that cohort or program). Days are ranked by how far the
count is from the expected value in Poisson units, ``|count - expected| / sqrt(expected + 1)``:
the detector's score is near 1 for every alert, so it cannot tell a 9x spike from a dip.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from applens.access._base import AccessData, Answer, most_common
from applens.anomalies.batch import detect_many
from applens.anomalies.registry import get_detector
from applens.errors import InvalidParameterError

__all__ = ["outlier_days"]

KEYS = {"cohort": "cohort", "program": "program", "person": "user_id"}


MIN_VOLUME = 10.0  # a day of 3 requests against 1 expected is nobody's incident


def _detector(name: str, params: dict[str, Any] | None) -> Any:
    found = get_detector(name, **(params or {}))
    if "min_volume" in found.get_params() and "min_volume" not in (params or {}):
        found.set_params(min_volume=MIN_VOLUME)
    return found


def outlier_days(data: AccessData, *, by: Literal["cohort", "program", "person"] = "cohort",
                 start: datetime | None = None, end: datetime | None = None,
                 detector: str = "default", top: int = 50, n: int = 50,
                 params: dict[str, Any] | None = None) -> Answer:
    """Question 6 (see the module docstring)."""
    if by not in KEYS:
        raise InvalidParameterError(f"--by must be cohort, program or person; got {by!r}.")
    key = KEYS[by]
    _detector(detector, params)  # an unknown name fails before any work
    where, wparams = data.where(start, end)
    limit = (f"AND {key} IN (SELECT {key} FROM _acc_events WHERE {where} AND content IS NOT "
             f"NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {int(top)})") if by == "person" \
        else ""
    daily = data.df(
        f"SELECT {key} AS id, CAST(ts AS DATE) AS day, count(*) AS accesses FROM _acc_events "
        f"WHERE {where} AND content IS NOT NULL AND {key} IS NOT NULL {limit} GROUP BY 1, 2 "
        "ORDER BY 1, 2", wparams + (wparams if by == "person" else []))
    # Zero-filled daily series, one per entity, all judged in one batched call.
    idents, series = [], []
    for ident, part in daily.groupby("id", sort=True):
        days = pd.to_datetime(part["day"]).to_numpy()
        span = np.arange(days[0], days[-1] + np.timedelta64(1, "D"), np.timedelta64(1, "D"))
        values = np.zeros(len(span))
        values[((days - days[0]) // np.timedelta64(1, "D")).astype(int)] = part["accesses"]
        idents.append(ident)
        series.append((values, span))
    rows = []
    judged = 0
    for ident, found in zip(idents, detect_many(_detector(detector, params), series),
                            strict=True):
        judged += int(found.judged.sum()) if found.judged is not None else len(found.values)
        for i in np.flatnonzero(found.alert):
            rows.append({by: ident, "day": pd.Timestamp(found.timestamps[i]).date(),
                         "accesses": int(found.values[i]), "expected": found.expected[i],
                         "score": found.score[i]})
    table = pd.DataFrame(rows, columns=[by, "day", "accesses", "expected", "score"])
    distance = (table["accesses"] - table["expected"]).abs() / (table["expected"] + 1) ** 0.5
    order = distance.sort_values(ascending=False, kind="stable").index
    table = table.loc[order].head(n).reset_index(drop=True)
    # One scan for every flagged day: its most read item and busiest person.
    days = [datetime(d.year, d.month, d.day) for d in table["day"]]
    flagged = [d.date() for d in days]
    hits = data.df(  # the flagged days' rows only, filtered before the joins
        "WITH f AS (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::DATE[]) AS day) "
        f"SELECT f.id, CAST(f.day AS TIMESTAMP) AS day, {most_common('e.content')} AS "
        f"top_content, {most_common('e.user_id')} AS busiest_person FROM "
        f"{data.events_where('list_contains(?::DATE[], CAST(ts AS DATE))')} e JOIN f "
        f"ON e.{key} = f.id AND CAST(e.ts AS DATE) = f.day WHERE e.content IS NOT NULL "
        "GROUP BY 1, 2", [[str(i) for i in table[by]], flagged, sorted(set(flagged))]
    ) if len(table) else pd.DataFrame(columns=["id", "day", "top_content", "busiest_person"])
    found_at = {(str(i), pd.Timestamp(d)): (c, u) for i, d, c, u in hits.itertuples(
        index=False, name=None)}
    pairs = [found_at.get((str(i), pd.Timestamp(d)), (None, None))
             for i, d in zip(table[by], days, strict=True)]
    table["top_content"] = [p[0] for p in pairs]
    table["busiest_person"] = [p[1] for p in pairs]
    group = {"cohort": "cohort", "program": "program"}.get(by)
    table["drill"] = [
        f"applens access top --by {group} --group {i} --from {d} --to {d}" if group else
        f"applens access scrapers --from {d} --to {d}" for i, d in zip(
            table[by], table["day"], strict=True)]
    return Answer("outlier-days", table.reset_index(drop=True), {},
                  {"by": by, "detector": detector, "entities": int(daily["id"].nunique()),
                   "days_judged": judged}, list(data.notes))
