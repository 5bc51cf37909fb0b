"""What every access question stands on: content items, memberships and their rejects.

``AccessData`` opens the warehouse's ``events`` and ``memberships`` tables once and builds
three temp relations on the DuckDB connection:

* ``_acc_cohorts``: one row per cohort (``memberships`` rows without ``user_id``) with its
  program, name, start, end and ``excluded`` (staff and placeholder cohorts, by rule);
* ``_acc_members``: one row per stay of a person in a cohort: the ``memberships`` rows with a
  ``user_id``, plus every (user, cohort) pair the log itself names (``events.cohort``, as the
  access-log preset stores ``cohort_id``), dated by the cohort's row;
* ``_acc_events``: the events as ``ts, user_id, ip, content, unit, cohort, program``, where
  ``content`` is the path turned into a content item (see :class:`ContentRules`), ``unit``
  what its owning program is decided on (``_rules.unit_sql``), and
  ``cohort`` is the cohort the log line names, else the person's latest stay started by then.

Bad memberships never disappear silently: ``AccessData.rejects`` counts stays that end
before they start (left out), overlapping stays of one person (kept; the log line's cohort
decides) and log lines naming a cohort id the memberships table does not know (left out of
per-cohort answers). Every answer carries them as notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from applens.access._rules import AccessOptions, ContentRules, _model, content_sql, unit_sql
from applens.errors import ConfigError, NotFoundError
from applens.formatting import count
from applens.ingest.sql import literal

__all__ = ["AccessData", "Answer", "day_range", "most_common"]

_EVENTS = "__events__"  # where the events scan goes in ``AccessData._events_sql``




def most_common(column: str, where: str = "") -> str:
    """SQL aggregate: the most frequent value of ``column`` (over the rows ``where`` holds),
    ties to the smallest value. DuckDB's ``mode()`` picks any of the tied values, so answers
    changed between runs."""
    only = f" FILTER (WHERE {where})" if where else ""
    return (f"list_sort(list_transform(map_entries(histogram({column}){only}), lambda x: "
            "struct_pack(n := -CAST(x.value AS BIGINT), v := x.key)))[1].v")


def day_range(date_from: str | date | None, date_to: str | date | None
              ) -> tuple[datetime | None, datetime | None]:
    """``[from, to]`` dates (inclusive) as UTC instants ``[start, end)``."""
    def parse(value: str | date | None, name: str) -> datetime | None:
        if value is None or value == "":
            return None
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f"--{name} must be a date like 2019-04-13; got {value!r}.") from None
        return datetime(day.year, day.month, day.day)
    start, end = parse(date_from, "from"), parse(date_to, "to")
    return start, end + timedelta(days=1) if end is not None else None


@dataclass
class Answer:
    """One question's answer: its main table, more tables by name, numbers and notes."""

    question: str
    table: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "rows": self.table.to_dict(orient="records"),
                **{name: t.to_dict(orient="records") for name, t in self.tables.items()},
                "data": self.data, "notes": self.notes}


class AccessData:
    """The access view of one DuckDB connection (see the module docstring)."""

    def __init__(self, con: Any, *, content: dict[str, Any] | None = None,
                 access: dict[str, Any] | None = None, base: str = ".") -> None:
        self.con = con
        self.rules: ContentRules = _model(ContentRules, content or {}, "content")
        self.options: AccessOptions = _model(AccessOptions, access or {}, "access")
        self.base = base
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()"
        ).fetchall()}
        if "events" not in tables:
            raise NotFoundError("There is no events table; ingest an access log first "
                                "('applens ingest LOG --preset access-log').")
        self.columns = dict(con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'events'"
        ).fetchall())
        if "path" not in self.columns:
            raise NotFoundError("The events table has no 'path' column; access questions read "
                                "request paths (ingest with --preset access-log or combined-log, "
                                "or map one with --map path=COLUMN).")
        self.has_memberships = "memberships" in tables
        self.rejects: dict[str, int] = {}
        self.notes: list[str] = []
        self._build()

    @classmethod
    def from_workspace(cls, ws: Any) -> AccessData:
        return cls(ws.connection, content=ws.settings.content, access=ws.settings.access,
                   base=str(ws.path))

    # -- the temp relations ---------------------------------------------------------------
    def _build(self) -> None:
        con, opts = self.con, self.options
        excluded = " OR ".join(
            [f"regexp_matches(coalesce(name, ''), {literal(opts.exclude_pattern)})"]
            + ([f"cohort IN ({', '.join(map(literal, opts.exclude_cohorts))}) OR name IN "
                f"({', '.join(map(literal, opts.exclude_cohorts))})"] if opts.exclude_cohorts
               else []))
        cohort_id = "regexp_replace(CAST(cohort AS VARCHAR), '[.]0+$', '')"
        if self.has_memberships:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _acc_cohorts AS SELECT cohort, program, name, "
                f"start_date, end_date, ({excluded}) AS excluded, "
                "end_date < start_date AS bad_dates FROM (SELECT "
                f"{cohort_id} AS cohort, arg_max(CAST(program AS VARCHAR), _ingest_id) AS program,"
                " arg_max(CAST(name AS VARCHAR), _ingest_id) AS name, "
                "arg_max(start_date, _ingest_id) AS start_date, "
                "arg_max(end_date, _ingest_id) AS end_date FROM memberships "
                "WHERE user_id IS NULL GROUP BY 1)")
            explicit = ("SELECT CAST(m.user_id AS VARCHAR) AS user_id, "
                        "regexp_replace(CAST(m.cohort AS VARCHAR), '[.]0+$', '') AS cohort, "
                        "coalesce(CAST(m.program AS VARCHAR), c.program) AS program, "
                        "coalesce(m.start_date, c.start_date) AS start_date, "
                        "coalesce(m.end_date, c.end_date) AS end_date, 'table' AS origin "
                        "FROM memberships m LEFT JOIN _acc_cohorts c ON c.cohort = "
                        "regexp_replace(CAST(m.cohort AS VARCHAR), '[.]0+$', '') "
                        "WHERE m.user_id IS NOT NULL")
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _acc_cohorts (cohort VARCHAR, program "
                        "VARCHAR, name VARCHAR, start_date TIMESTAMP, end_date TIMESTAMP, "
                        "excluded BOOLEAN, bad_dates BOOLEAN)")
            explicit = ("SELECT NULL::VARCHAR AS user_id, NULL::VARCHAR AS cohort, NULL::VARCHAR "
                        "AS program, NULL::TIMESTAMP AS start_date, NULL::TIMESTAMP AS end_date, "
                        "'table' AS origin WHERE false")
        logged = "cohort" in self.columns
        if logged:  # one scan gives the (person, cohort) pairs and everyone's last request
            con.execute("CREATE OR REPLACE TEMP TABLE _acc_seen AS SELECT CAST(user_id AS "
                        "VARCHAR) AS user_id, cohort, max(ts) AS last_ts FROM events GROUP BY 1, 2")
        # Distinct pairs first, the id rule on those only.
        derived = ("SELECT user_id, " + self._event_cohort() + " AS cohort FROM _acc_seen e "
                   "WHERE cohort IS NOT NULL") if logged else (
                   "SELECT NULL::VARCHAR AS user_id, NULL::VARCHAR AS cohort WHERE false")
        self.last_seen_sql = (
            "SELECT user_id, max(last_ts) AS last_seen FROM _acc_seen GROUP BY 1" if logged else
            "SELECT CAST(user_id AS VARCHAR) AS user_id, max(ts) AS last_seen FROM events "
            "GROUP BY 1")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _acc_members AS WITH x AS ({explicit}), "
            f"d AS ({derived}) SELECT * FROM x UNION ALL SELECT d.user_id, d.cohort, c.program, "
            "c.start_date, c.end_date, 'log' AS origin FROM d LEFT JOIN _acc_cohorts c USING "
            "(cohort) WHERE NOT EXISTS (SELECT 1 FROM x WHERE x.user_id = d.user_id AND "
            "x.cohort = d.cohort)")
        self._count_rejects()
        con.execute("DELETE FROM _acc_members WHERE end_date < start_date OR cohort NOT IN "
                    "(SELECT cohort FROM _acc_cohorts) OR cohort IN (SELECT cohort FROM "
                    "_acc_cohorts WHERE excluded)")
        # Paths repeat: the rules run once per distinct path, not once per request.
        con.execute("CREATE OR REPLACE TEMP TABLE _acc_paths AS SELECT path, content, "
                    f"{unit_sql('content', self.rules)} AS unit FROM (SELECT path, "
                    f"{content_sql('path', self.rules)} AS content FROM (SELECT DISTINCT path "
                    "FROM events WHERE path IS NOT NULL))")
        ip = "CAST(e.ip AS VARCHAR)" if "ip" in self.columns else "NULL::VARCHAR"
        paths = "LEFT JOIN _acc_paths p ON p.path = e.path"
        if logged:
            source = (f"SELECT e.ts, CAST(e.user_id AS VARCHAR) AS user_id, {ip} AS ip, "
                      f"p.content, p.unit, {self._event_cohort()} AS cohort "
                      f"FROM {_EVENTS} e {paths}")
        else:  # the person's latest stay started by then
            source = (f"SELECT e.ts, CAST(e.user_id AS VARCHAR) AS user_id, {ip} AS ip, "
                      f"p.content, p.unit, m.cohort FROM {_EVENTS} e {paths} ASOF LEFT JOIN "
                      "(SELECT user_id, cohort, coalesce(start_date, TIMESTAMP '1900-01-01') "
                      "AS start_date FROM _acc_members) m ON CAST(e.user_id AS VARCHAR) = "
                      "m.user_id AND e.ts >= m.start_date")
        self._events_sql = (
            "SELECT s.ts, s.user_id, s.ip, s.content, s.unit,"
            " CASE WHEN c.excluded OR c.bad_dates THEN NULL ELSE c.cohort END AS cohort, "
            "CASE WHEN c.excluded OR c.bad_dates THEN NULL ELSE c.program END AS program, "
            f"c.excluded AS staff FROM ({source}) s LEFT JOIN _acc_cohorts c USING (cohort)")
        con.execute("CREATE OR REPLACE TEMP VIEW _acc_events AS "
                    + self._events_sql.replace(_EVENTS, "events"))

    def _event_cohort(self) -> str:
        """The log's cohort id as text, cheaply: whole numbers stored as DOUBLE lose '.0'."""
        kind = self.columns.get("cohort", "VARCHAR")
        if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
            return "CAST(CAST(e.cohort AS BIGINT) AS VARCHAR)"
        if kind == "VARCHAR":  # the regex only where there is a dot
            return ("CASE WHEN contains(e.cohort, '.') THEN regexp_replace(e.cohort, '[.]0+$', "
                    "'') ELSE e.cohort END")
        return "CAST(e.cohort AS VARCHAR)"

    def _count_rejects(self) -> None:
        con = self.con
        bad_dates = con.execute(
            "SELECT count(*) FROM _acc_members WHERE end_date < start_date").fetchall()[0][0]
        bad_cohorts = con.execute(
            "SELECT count(*) FROM _acc_cohorts WHERE bad_dates").fetchall()[0][0]
        overlap = con.execute(
            "SELECT count(DISTINCT a.user_id) FROM _acc_members a JOIN _acc_members b ON "
            "a.user_id = b.user_id AND a.cohort < b.cohort AND a.start_date <= b.end_date AND "
            "b.start_date <= a.end_date WHERE a.cohort NOT IN (SELECT cohort FROM _acc_cohorts "
            "WHERE excluded) AND b.cohort NOT IN (SELECT cohort FROM _acc_cohorts WHERE "
            "excluded)").fetchall()[0][0]
        unknown = con.execute(
            "SELECT count(DISTINCT cohort), count(*) FROM _acc_members WHERE cohort NOT IN "
            "(SELECT cohort FROM _acc_cohorts)").fetchall()[0]
        self.rejects = {"stays_end_before_start": int(bad_dates),
                        "cohorts_end_before_start": int(bad_cohorts),
                        "people_with_overlapping_stays": int(overlap),
                        "unknown_cohort_ids": int(unknown[0]),
                        "stays_in_unknown_cohorts": int(unknown[1])}
        if not self.has_memberships:
            self.notes.append("No memberships table: answers per cohort and program are empty. "
                              "Ingest the cohort table with 'applens ingest FILE --table "
                              "memberships'.")
        if bad_dates or bad_cohorts:
            self.notes.append(
                f"{count(bad_dates)} stays and {count(bad_cohorts)} cohorts end before they "
                "start; they are left out (fix end_date in the memberships table).")
        if overlap:
            self.notes.append(
                f"{count(overlap)} people have overlapping stays in two cohorts; each log line "
                "counts for the cohort it names (or the latest stay started by then).")
        if unknown[0]:
            ids = [r[0] for r in self.con.execute(
                "SELECT DISTINCT cohort FROM _acc_members WHERE cohort NOT IN (SELECT cohort "
                "FROM _acc_cohorts) ORDER BY 1 LIMIT 5").fetchall()]
            self.notes.append(
                f"{count(unknown[0])} cohort ids are not in the memberships table "
                f"({', '.join(map(str, ids))}{', ...' if unknown[0] > 5 else ''}); their "
                f"{count(unknown[1])} stays are left out of per-cohort answers.")

    # -- helpers for the questions ---------------------------------------------------------
    def where(self, start: datetime | None, end: datetime | None, alias: str = "") -> tuple[
            str, list[Any]]:
        prefix = f"{alias}." if alias else ""
        parts, params = ["true"], []
        if start is not None:
            parts.append(f"{prefix}ts >= ?")
            params.append(start)
        if end is not None:
            parts.append(f"{prefix}ts < ?")
            params.append(end)
        return " AND ".join(parts), params

    def events_where(self, condition: str, table: str = "events") -> str:
        """``_acc_events`` as a subquery, with ``condition`` (on the ``events`` table's own
        columns) applied to the scan first: DuckDB does not push a filter such as a list of
        days through the view's joins, so a question that needs a few days or people reads
        only their rows. ``table``: a table of some of the events' rows, read instead."""
        return "(" + self._events_sql.replace(
            _EVENTS, f"(SELECT * FROM {table} WHERE {condition})") + ")"

    # The content requests without cohorts: lighter than _acc_events where no cohort is needed.
    PAGES = ("(SELECT CAST(e.user_id AS VARCHAR) AS user_id, e.ts, p.content FROM events e "
             "JOIN _acc_paths p ON p.path = e.path WHERE p.content IS NOT NULL)")

    def df(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def catalog(self) -> list[str] | None:
        """The content items of ``[content] catalog`` (paths go through the same rules)."""
        if not self.rules.catalog:
            return None
        from pathlib import Path

        path = Path(self.rules.catalog)
        if not path.is_absolute():
            path = Path(self.base) / path
        if not path.is_file():
            raise ConfigError(f"applens.toml [content] catalog: {path} does not exist; give a "
                              "file listing one content item or path a line.")
        lines = [line.split(",")[0].strip() for line in path.read_text().splitlines()]
        paths = [x for x in lines if x and x.lower() not in ("path", "content")]
        frame = self.con.execute(
            f"SELECT DISTINCT {content_sql('p', self.rules)} AS c FROM "
            "(SELECT unnest(?::VARCHAR[]) AS p) WHERE c IS NOT NULL ORDER BY 1",
            [paths]).fetchall()
        return [r[0] for r in frame]
