"""Presets: readers for well-known log formats that are lines of text, not tables.

``combined-log`` reads the Apache/Nginx combined log format::

    1.2.3.4 - user [17/May/2015:10:05:03 +0000] "GET /path HTTP/1.1" 200 2326 "referrer" "agent"

(an extra trailing field, as some servers append, is ignored). Each line becomes one event:
``ip``, ``ts`` (the offset is honoured, stored in UTC), ``path``, ``user_id`` (the
authenticated user, else the IP), ``event = "pageview"``, and the properties ``method``,
``protocol``, ``status``, ``bytes``, ``referrer`` and ``user_agent`` (``-`` is stored as
missing). A line that is not in this format is rejected with its line number and the line
itself; everything else (types, checks, the transaction, idempotency) is the ordinary loader.

The file is parsed once, in DuckDB, into a scratch table that the loader then reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from applens.errors import InvalidParameterError, did_you_mean
from applens.ingest.detect import FileInfo
from applens.ingest.sql import literal
from applens.ingest.validate import RAW, Check, ColumnPlan

__all__ = ["PRESETS", "Preset", "get_preset"]

_Q = r'"((?:[^"\\]|\\.)*)"'  # a quoted field; Apache escapes quotes inside it as \"
_TIME = r"[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}"
COMBINED = (rf"^(\S+) (\S+) (\S+) \[({_TIME})\] {_Q} ([0-9]{{3}}) ([0-9]+|-) {_Q} {_Q}"
            r"(?: .*)?\s*$")
_GROUPS = ["ip", "ident", "auth", "time", "request", "status", "bytes", "referrer", "agent"]
_REQUEST = r"^([A-Za-z]+) (\S+)(?: (HTTP/[0-9.]+))?$"
COMBINED_TS_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
_NOT_COMBINED = (
    "line is not in the combined log format (ip - user [dd/Mon/yyyy:hh:mm:ss +zzzz] "
    "\"GET /path HTTP/1.1\" status bytes \"referrer\" \"user agent\"); fix or drop the line"
)


def _lines(info: FileInfo, path: Path) -> str:
    """Every line of the file as one VARCHAR column ``line``, numbered from 1 as ``_line``."""
    compression = info.compression if path == info.path else "none"
    # No quoting and a delimiter that logs do not contain (servers escape control bytes):
    # one column per line. Should one appear anyway, the line is cut there (strict_mode off)
    # and then fails the format check instead of failing the whole file.
    reader = (f"read_csv({literal(str(path))}, columns={{'line': 'VARCHAR'}}, header=false, "
              f"auto_detect=false, delim={literal(chr(1))}, quote='', escape='', "
              f"strict_mode=false, compression={literal(compression)}, "
              "max_line_size=10000000)")
    return f"SELECT row_number() OVER () AS _line, line FROM {reader}"


def _stage_combined(con, info: FileInfo, path: Path, table: str) -> None:  # noqa: ANN001
    fields = "[" + ", ".join(literal(g) for g in _GROUPS) + "]"
    parts = "['method', 'path', 'protocol']"
    con.execute(
        f"CREATE TEMP TABLE {table} AS "
        f"WITH lines AS ({_lines(info, path)}), "
        f"m AS (SELECT _line, line, regexp_extract(line, {literal(COMBINED)}, {fields}) AS f "
        f"FROM lines), "
        f"r AS (SELECT *, f.ip <> '' AS ok, "
        f"regexp_extract(f.request, {literal(_REQUEST)}, {parts}) AS q FROM m) "
        # A line that does not parse keeps its text in ts, where the line check rejects it.
        "SELECT CASE WHEN ok THEN f.time ELSE coalesce(line, '') END AS ts, "
        "CASE WHEN ok THEN CASE WHEN f.auth NOT IN ('-', '') THEN f.auth ELSE f.ip END END "
        "AS user_id, CASE WHEN ok THEN 'pageview' END AS event, "
        "NULLIF(f.ip, '') AS ip, NULLIF(q.path, '') AS path, NULLIF(q.method, '') AS method, "
        "NULLIF(q.protocol, '') AS protocol, NULLIF(f.status, '') AS status, "
        "NULLIF(NULLIF(f.bytes, '-'), '') AS bytes, NULLIF(NULLIF(f.referrer, '-'), '') "
        "AS referrer, NULLIF(NULLIF(f.agent, '-'), '') AS user_agent "
        "FROM r ORDER BY _line"
    )


def _check_combined_line(plan: ColumnPlan) -> ColumnPlan:
    """The ts plan first rejects lines that did not parse (their ts holds the whole line)."""
    if plan.name != "ts":
        return plan
    bad = Check(f"NOT regexp_full_match(trim({RAW}), {literal(_TIME)})", literal(_NOT_COMBINED))
    return replace(plan, checks=(bad, *plan.checks))


@dataclass(frozen=True)
class Preset:
    """How to read one log format: stage it into a scratch table, then load it as usual.

    ``stage(con, info, path, table)`` creates the temp ``table`` with one VARCHAR column per
    field, rows in line order; ``adjust(plan)`` may add checks to a column's plan.
    """

    name: str
    summary: str
    ts_format: str
    stage: Callable[..., None]
    adjust: Callable[[ColumnPlan], ColumnPlan]


PRESETS: dict[str, Preset] = {
    "combined-log": Preset(
        "combined-log",
        "Apache/Nginx combined access log (ip, time, request, status, bytes, referrer, agent)",
        COMBINED_TS_FORMAT, _stage_combined, _check_combined_line,
    ),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; an error listing the known ones otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidParameterError(
            f"There is no ingest preset '{name}'.{did_you_mean(name, PRESETS)} "
            f"Choose one of: {', '.join(PRESETS)}."
        ) from None
