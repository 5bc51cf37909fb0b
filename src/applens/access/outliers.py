"""Question 6: outlier days per cohort, program or person.

Definition. For each entity (cohort, program, or one of the ``top`` busiest people) the
daily count of content requests, zero-filled from its first to its last active day in the
range, goes through a registered anomaly detector (``anomalies.registry``; ``default`` unless
``detector`` names another). Each alerting day is listed with its count, the expected value,
the score, the day's most read item and busiest person, and the ``drill`` command that shows
that day ("what happened on that day" is one command away).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import pandas as pd

from applens.access._base import AccessData, Answer
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
    rows = []
    judged = 0
    for ident, part in daily.groupby("id", sort=True):
        days = pd.date_range(part["day"].min(), part["day"].max(), freq="D")
        series = part.set_index(pd.to_datetime(part["day"]))["accesses"].reindex(
            days, fill_value=0).astype(float)
        found = _detector(detector, params).fit_detect(
            series.to_numpy(), series.index.to_numpy())
        frame = found.to_frame()
        judged += int((frame["status"] == "judged").sum())
        for _, r in frame[frame["is_alert"] == 1].iterrows():
            rows.append({by: ident, "day": pd.Timestamp(r["timestamp"]).date(),
                         "accesses": int(r["value"]), "expected": r["expected"],
                         "score": r["anomaly_score"]})
    table = pd.DataFrame(rows, columns=[by, "day", "accesses", "expected", "score"])
    table = table.sort_values(["score", "accesses"], ascending=False).head(n)
    tops, busiest = [], []
    for ident, day in zip(table[by], table["day"], strict=True):
        s = datetime(day.year, day.month, day.day)
        e = s + pd.Timedelta(days=1)
        hit = data.con.execute(
            f"SELECT mode(content), mode(user_id) FROM _acc_events WHERE {key} = ? AND ts >= ? "
            "AND ts < ? AND content IS NOT NULL", [ident, s, e]).fetchone()
        tops.append(hit[0])
        busiest.append(hit[1])
    table["top_content"] = tops
    table["busiest_person"] = busiest
    group = {"cohort": "cohort", "program": "program"}.get(by)
    table["drill"] = [
        f"applens access top --by {group} --group {i} --from {d} --to {d}" if group else
        f"applens access scrapers --from {d} --to {d}" for i, d in zip(
            table[by], table["day"], strict=True)]
    return Answer("outlier-days", table.reset_index(drop=True), {},
                  {"by": by, "detector": detector, "entities": int(daily["id"].nunique()),
                   "days_judged": judged}, list(data.notes))
