"""All six questions at once, as the report section and the dashboard page show them.

``overview`` runs each question over one range and returns plain sentences (findings), a few
headline numbers and the tables, so the report and the dashboard say the same thing. A
question the data cannot answer (no memberships, no cohort on the log) is left out with its
reason in ``skipped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from applens.access._base import AccessData
from applens.access.content import top_content
from applens.access.cross import cross_program
from applens.access.outliers import outlier_days
from applens.access.people import after_end, enrolled_activity, quiet_from
from applens.access.scrapers import scrapers
from applens.errors import ApplensError
from applens.formatting import count, number, percent

__all__ = ["Overview", "overview"]

MIN_CHANGE = 0.05  # cross-program share changes smaller than 5 points are not findings


@dataclass
class Overview:
    findings: list[str] = field(default_factory=list)
    cards: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, str, pd.DataFrame]] = field(default_factory=list)  # id, title
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # the frames behind the charts: cross-program "daily" and "changes"
    series: dict[str, pd.DataFrame] = field(default_factory=dict)


def overview(data: AccessData, start: datetime | None, end: datetime | None,
             *, rows: int = 10) -> Overview:
    """The six answers over ``[start, end)`` (see the module docstring)."""
    out = Overview(notes=list(data.notes))
    steps = (("top", _top), ("quiet", _quiet), ("after-end", _after),
             ("cross-program", _cross), ("scrapers", _scrapers), ("outlier-days", _outliers))
    for name, step in steps:
        try:
            step(data, start, end, rows, out)
        except ApplensError as exc:
            out.skipped[name] = str(exc)
    return out


def _top(data: AccessData, start, end, rows: int, out: Overview) -> None:  # noqa: ANN001
    answer = top_content(data, by="program", start=start, end=end, n=3)
    out.tables.append(("top_content", "Most accessed content per program", answer.table))
    nobody = answer.data["nobody_opened"]
    if nobody:
        out.findings.append(f"{count(len(nobody))} catalog items were opened by nobody "
                            f"({', '.join(nobody[:3])}{', ...' if len(nobody) > 3 else ''}).")
        out.tables.append(("nobody_opened", "Content nobody opened",
                           answer.tables["nobody_opened"].head(rows)))


def _quiet(data: AccessData, start, end, rows: int, out: Overview) -> None:  # noqa: ANN001
    stays = enrolled_activity(data, start, end)  # one scan for both tables
    answer = quiet_from(stays, data, by="cohort", n=rows)
    for cohort in answer.data["quiet"]:
        row = answer.table[answer.table["cohort"] == cohort].iloc[0]
        out.findings.append(f"Cohort {cohort} is unusually quiet: {number(row['rate'], 2)} "
                            f"requests per member-day (robust z {number(row['z'], 2)}).")
    out.tables.append(("quiet_cohorts", "Cohorts by activity while enrolled", answer.table))
    people = quiet_from(stays, data, by="person", n=rows)
    out.cards.append(("Quiet members", count(len(people.data["quiet"]))))
    out.tables.append(("quiet_members", "Quietest members while enrolled", people.table))


def _after(data: AccessData, start, end, rows: int, out: Overview) -> None:  # noqa: ANN001
    answer = after_end(data, start=start, end=end, n=rows)
    out.cards.append(("People reading after their end", count(answer.data["people"])))
    if len(answer.table):
        first = answer.table.iloc[0]
        out.findings.append(
            f"{first['user_id']} (cohort {first['cohort']}) kept reading "
            f"{count(first['days_after_end'])} days after the end: "
            f"{count(first['accesses'])} requests on {count(first['active_days'])} days.")
    out.tables.append(("after_end", "Access after the end", answer.table))


def _cross(data: AccessData, start, end, rows: int, out: Overview) -> None:  # noqa: ANN001
    answer = cross_program(data, start=start, end=end, n=rows)
    changes = answer.tables["changes"]
    for _, c in changes.iterrows():
        if abs(c["share_after"] - c["share_before"]) < MIN_CHANGE:
            continue
        out.findings.append(
            f"Cross-program access went {c['direction']} on {pd.Timestamp(c['day']).date()}: "
            f"{percent(c['share_before'])} -> {percent(c['share_after'])} of requests.")
    out.tables.append(("cross_program", "Cross-program access by segment", answer.table))
    out.series["daily"] = answer.tables["daily"]
    out.series["changes"] = changes


def _scrapers(data: AccessData, start, end, rows: int, out: Overview) -> None:  # noqa: ANN001
    answer = scrapers(data, entity="user", start=start, end=end, n=rows)
    out.cards.append(("Flagged accounts", count(answer.data["flagged"])))
    for _, r in answer.table.head(3).iterrows():
        out.findings.append(f"Account {r['user_id']}: {r['reasons']} "
                            f"({pd.Timestamp(r['window_start'])} .. "
                            f"{pd.Timestamp(r['window_end']).time()}).")
    out.tables.append(("scrapers", "Scrapers and shared accounts", answer.table))


def _outliers(data: AccessData, start, end, rows: int, out: Overview) -> None:  # noqa: ANN001
    answer = outlier_days(data, by="cohort", start=start, end=end, n=rows)
    out.tables.append(("outlier_days", "Outlier days per cohort", answer.table))
