"""Presets: readers for well-known log formats that are lines of text, not tables.

``combined-log`` reads the Apache/Nginx combined log format::

    1.2.3.4 - user [17/May/2015:10:05:03 +0000] "GET /path HTTP/1.1" 200 2326 "referrer" "agent"

(an extra trailing field, as some servers append, is ignored). Each line becomes one event:
``ip``, ``ts`` (the offset is honoured, stored in UTC), ``path``, ``user_id`` (the
authenticated user, else the IP), ``event = "pageview"``, and the properties ``method``,
``protocol``, ``status``, ``bytes``, ``referrer`` and ``user_agent`` (``-`` is stored as
missing). A line that is not in this format is rejected with its line number and the line
itself; everything else (types, checks, the transaction, idempotency) is the ordinary loader.

``access-log`` reads the space-separated curriculum access log (six fields a line)::

    2018-01-26 09:55:03 java-ii/object-oriented-programming 1 8 97.105.19.61

``date time path user_id cohort_id ip``: ``ts`` (naive, read in the workspace timezone),
``path``, ``user_id``, the property ``cohort`` (``-``, ``NaN``, ``NULL``, ``\\N`` or an empty
field mean none: staff), ``ip`` and ``event = "pageview"``. Other lines are rejected like
combined-log lines.

The file is parsed once, in DuckDB, into a scratch table that the loader then reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from applens._sql import literal
from applens.engines.detect import FileInfo
from applens.errors import InvalidParameterError, did_you_mean
from applens.ingest.validate import RAW, Check, ColumnPlan

__all__ = ["PRESETS", "Preset", "get_preset"]

_Q = r'"((?:[^"\\]|\\.)*)"'  # a quoted field; Apache escapes quotes inside it as \"
_TIME = r"[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}"
COMBINED = (rf"^(\S+) (\S+) (\S+) \[({_TIME})\] {_Q} ([0-9]{{3}}) ([0-9]+|-) {_Q} {_Q}"
            r"(?: .*)?\s*$")
_SLASH, _QUOTE = chr(3), chr(2)  # stand-ins for \\ and \" while splitting on quotes
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
              "max_line_size=10000000, buffer_size=16000000)")  # see file_relation
    return f"SELECT row_number() OVER () AS _line, line FROM {reader}"


def _unescape(sql: str) -> str:
    return f"replace(replace({sql}, {literal(_QUOTE)}, '\\\"'), {literal(_SLASH)}, '\\\\')"


def _stage_combined(con, info: FileInfo, path: Path, table: str) -> None:  # noqa: ANN001
    # One full-match regex validates a line; the fields are then cut with string splits,
    # several times faster than extracting nine regex groups. Escaped backslashes and quotes
    # are masked while splitting on quotes and put back afterwards.
    masked = f"replace(replace(line, '\\\\', {literal(_SLASH)}), '\\\"', {literal(_QUOTE)})"
    con.execute(
        f"CREATE TEMP TABLE {table} AS "
        f"WITH lines AS ({_lines(info, path)}), "
        f"q AS (SELECT _line, line, coalesce(regexp_full_match(line, {literal(COMBINED)}), false) "
        f"AS ok, string_split({masked}, '\"') AS q FROM lines), "
        "f AS (SELECT _line, line, ok, string_split(q[1], ' ') AS h, "
        f"string_split(trim(q[3]), ' ') AS m, {_unescape('q[2]')} AS request, "
        f"{_unescape('q[4]')} AS referrer, {_unescape('q[6]')} AS agent FROM q), "
        f"r AS (SELECT *, regexp_full_match(request, {literal(_REQUEST)}) AS split_ok, "
        "string_split(request, ' ') AS rq FROM f) "
        # A line that does not parse keeps its text in ts, where the line check rejects it.
        "SELECT CASE WHEN ok THEN substr(h[4], 2) || ' ' || rtrim(h[5], ']') "
        "ELSE coalesce(line, '') END AS ts, "
        "CASE WHEN ok THEN CASE WHEN h[3] <> '-' THEN h[3] ELSE h[1] END END AS user_id, "
        "CASE WHEN ok THEN 'pageview' END AS event, CASE WHEN ok THEN h[1] END AS ip, "
        "CASE WHEN ok AND split_ok THEN rq[2] END AS path, "
        "CASE WHEN ok AND split_ok THEN rq[1] END AS method, "
        "CASE WHEN ok AND split_ok THEN rq[3] END AS protocol, "
        "CASE WHEN ok THEN m[1] END AS status, "
        "CASE WHEN ok AND m[2] <> '-' THEN m[2] END AS bytes, "
        "CASE WHEN ok THEN NULLIF(NULLIF(referrer, '-'), '') END AS referrer, "
        "CASE WHEN ok THEN NULLIF(NULLIF(agent, '-'), '') END AS user_agent "
        "FROM r ORDER BY _line"
    )


def _check_combined_line(plan: ColumnPlan) -> ColumnPlan:
    """The ts plan first rejects lines that did not parse (their ts holds the whole line)."""
    if plan.name != "ts":
        return plan
    bad = Check(f"NOT regexp_full_match(trim({RAW}), {literal(_TIME)})", literal(_NOT_COMBINED))
    return replace(plan, checks=(bad, *plan.checks))


_SPACED_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
SPACED = rf"^({_SPACED_TIME}) (\S+) (\S+) (\S*) ([0-9A-Fa-f:.]+)\s*$"  # ip: v4 or v6
_NOT_SPACED = (
    "line is not in the access-log format (date time path user_id cohort_id ip, six fields "
    "separated by one space, the last an IP address, e.g. 2018-01-26 09:55:03 /lesson 1 8 "
    "97.105.19.61); fix or drop the line"
)
_NO_COHORT = "('', '-', 'NaN', 'nan', 'NULL', 'null', '\\N', 'None')"


def _stage_spaced(con, info: FileInfo, path: Path, table: str) -> None:  # noqa: ANN001
    con.execute(
        f"CREATE TEMP TABLE {table} AS "
        f"WITH lines AS ({_lines(info, path)}), "
        f"f AS (SELECT _line, line, coalesce(regexp_full_match(line, {literal(SPACED)}), false) "
        "AS ok, string_split(rtrim(line), ' ') AS x FROM lines) "
        "SELECT CASE WHEN ok THEN x[1] || ' ' || x[2] ELSE coalesce(line, '') END AS ts, "
        "CASE WHEN ok THEN x[3] END AS path, CASE WHEN ok THEN x[4] END AS user_id, "
        f"CASE WHEN ok AND x[5] NOT IN {_NO_COHORT} THEN x[5] END AS cohort, "
        "CASE WHEN ok THEN x[6] END AS ip, CASE WHEN ok THEN 'pageview' END AS event "
        "FROM f ORDER BY _line"
    )


def _check_spaced_line(plan: ColumnPlan) -> ColumnPlan:
    if plan.name != "ts":
        return plan
    bad = Check(f"NOT regexp_full_match(trim({RAW}), {literal(_SPACED_TIME)})",
                literal(_NOT_SPACED))
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
    "access-log": Preset(
        "access-log",
        "space-separated content access log: date time path user_id cohort_id ip",
        "%Y-%m-%d %H:%M:%S", _stage_spaced, _check_spaced_line,
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
