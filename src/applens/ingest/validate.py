"""Per-column parsing and the checks that turn bad rows into rejects, written as SQL.

Each canonical column gets a *parsed* expression (its typed value) and a list of *checks*
(condition, reason). A row is rejected for the first check that fails; the reject keeps the
column, the raw value and a reason that says how to fix it. ``parsed_select`` applies the
plans to a source in one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from applens._sql import ident, literal
from applens.schema import Column

__all__ = [
    "KEEP", "SQL_TYPES", "Check", "ColumnPlan", "infer_property_types", "parsed_select",
    "plan_column", "property_plan", "raw_text", "typed_time", "whole_number_ids",
]

KEEP = "_applens_keep"  # whether --where holds for a row

EARLIEST = "1990-01-01"
SQL_TYPES = {"timestamp": "TIMESTAMP", "string": "VARCHAR", "double": "DOUBLE", "integer": "BIGINT"}


@dataclass(frozen=True)
class Check:
    failed: str  # SQL condition that is true when the row is bad
    reason: str  # SQL expression giving the message


@dataclass(frozen=True)
class ColumnPlan:
    """How one target column is computed from its source.

    ``raw`` is SQL over the source giving the value as text (a typed time: the value itself;
    ``parsed_select`` prints it for the reject). ``parsed`` and ``checks`` refer to
    the raw text as ``RAW`` and (checks only) to the parsed value as ``VALUE``: the loader
    computes each once per row and substitutes column references.
    """

    name: str
    sql_type: str
    raw: str
    parsed: str
    checks: tuple[Check, ...]


RAW, VALUE = "{raw}", "{value}"


def raw_text(source_columns: tuple[str, ...], *, whole: bool = False) -> str:
    """The source value as text; several columns are joined with a space (date + time).
    ``whole`` drops a zero fraction ("13085.0" -> "13085"), see :func:`whole_number_ids`."""
    parts = [f"CAST({ident(c)} AS VARCHAR)" for c in source_columns]
    if whole and len(parts) == 1:
        return f"regexp_replace({parts[0]}, '[.]0+$', '')"
    return parts[0] if len(parts) == 1 else f"concat_ws(' ', {', '.join(parts)})"


_WHOLE = "'[-+]?[0-9]+[.]0+'"


def whole_number_ids(con, relation: str, sources: dict[str, str]) -> set[str]:  # noqa: ANN001
    """The id columns (canonical name -> its one source column) whose every value is a whole
    number written with a zero fraction: ``13085.0``, what a float column makes of integer
    ids (pandas turns an integer column with gaps into floats). Their ids lose the ``.0``;
    a column with one real fraction (``1.5``) keeps every value as written."""
    whole = set()
    for name, source in sources.items():
        text = f"NULLIF(trim(CAST({ident(source)} AS VARCHAR)), '')"
        # Two early-stopping probes, the one that usually stops at the first row first: a
        # value that is not N.0 (most ids, such as 'u123') settles it without a full scan.
        other = con.execute(f"SELECT 1 FROM {relation} WHERE {text} IS NOT NULL AND NOT "
                            f"regexp_full_match({text}, {_WHOLE}) LIMIT 1").fetchall()
        if other:
            continue
        some = con.execute(f"SELECT 1 FROM {relation} WHERE regexp_full_match({text}, "
                           f"{_WHOLE}) LIMIT 1").fetchall()
        if some:
            whole.add(name)
    return whole


# Blank means empty or only whitespace. Text starting with a visible ASCII character cannot
# be blank, which spares the trim (a copy of every string) on nearly all rows; two byte
# comparisons ('!' is 33, chr(127) follows '~') say so at about half the cost of ord().
VISIBLE = f"({RAW} >= '!' AND {RAW} < chr(127))"
BLANK = f"({RAW} IS NULL OR (NOT {VISIBLE} AND trim({RAW}) = ''))"
# The typed value of a text column: NULL when blank, visible text first (nearly every row).
TEXT = f"CASE WHEN {VISIBLE} THEN {RAW} WHEN {BLANK} THEN NULL ELSE {RAW} END"


def _timestamp(timezone: str, ts_format: str | None) -> str:
    text = f"trim({RAW})"
    if ts_format:
        parsed = f"try_strptime({text}, {literal(ts_format)})"
        if "%z" not in ts_format and "%Z" not in ts_format:
            parsed = f"timezone({literal(timezone)}, {parsed})"
        return f"timezone('UTC', {parsed})"
    # Plain "YYYY-MM-DD[ HH:MM:SS]" text is wall-clock time in the workspace timezone (a
    # fast cast, and no conversion at all for UTC workspaces); text with an offset keeps
    # its instant; bare numbers are Unix seconds or milliseconds.
    naive = f"TRY_CAST({text} AS TIMESTAMP)"
    local = _local(naive, timezone)
    # A cast to TIMESTAMP silently drops an offset ("10:00+03:00" -> 10:00), so text with
    # anything zone-like after the date (+hh, -hh, Z, UTC, Europe/Berlin) takes the TZ path.
    zoned = f"regexp_matches(substr({text}, 12), '[-+A-Za-z]')"
    return (
        f"CASE WHEN {naive} IS NOT NULL AND NOT {zoned} THEN {local} "
        f"WHEN regexp_full_match({text}, '[0-9]{{9,10}}([.][0-9]+)?') "
        f"THEN timezone('UTC', to_timestamp(CAST({text} AS DOUBLE))) "
        f"WHEN regexp_full_match({text}, '[0-9]{{12,13}}') "
        f"THEN timezone('UTC', to_timestamp(CAST({text} AS DOUBLE) / 1000)) "
        f"ELSE timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ)) END"
    )


def _local(naive: str, timezone: str) -> str:
    """A naive timestamp read as wall-clock time in ``timezone``, as naive UTC."""
    return naive if timezone == "UTC" else (
        f"timezone('UTC', timezone({literal(timezone)}, {naive}))")


# The usual shape, "2024-06-01 12:30:00", parsed without trim, regexes or a zone test: a
# strict strptime fails on anything else (a zone, a fraction, a 'T'), which then takes the
# general path. strptime skips whitespace the general path rejects (tab, LF, VT, FF, CR),
# so it only sees 19 characters that start with a digit and end in none of those (five
# suffix tests cost a third of reading the 19th character). On 10M rows: ~0.8 CPU
# seconds instead of ~2.3.
_PLAIN = "%Y-%m-%d %H:%M:%S"
_PLAIN_SHAPE = (f"strlen({RAW}) = 19 AND {RAW} >= '0' AND {RAW} < ':' AND "
                + " AND ".join(f"NOT suffix({RAW}, chr({c}))" for c in range(9, 14)))


# Source types that already hold an instant (Parquet, JSON, DuckDB tables): read as they
# are. Printed as text and parsed back they cost the same as text from a CSV file (a Parquet
# timestamp with microseconds took the general path: trim, cast, zone test).
_TIME_TYPES = {"TIMESTAMP": "naive", "TIMESTAMP_S": "naive", "TIMESTAMP_MS": "naive",
               "DATE": "naive", "TIMESTAMP_NS": "nanos", "TIMESTAMP WITH TIME ZONE": "instant"}
# Nanoseconds (what pandas writes) down to microseconds as the text's digits would be cut:
# floored, where a cast rounds (.9999995 s printed and parsed is .999999, cast 1.0)
_NS = "epoch_ns({raw})"
_FLOOR_US = f"make_timestamp(({_NS} - (({_NS} % 1000) + 1000) % 1000) // 1000)"


def typed_time(sources: tuple[str, ...], types: dict[str, str]) -> tuple[str, str] | None:
    """The one source column (SQL) and its type when it already holds times, else None."""
    if len(sources) != 1 or types.get(sources[0]) not in _TIME_TYPES:
        return None
    return ident(sources[0]), types[sources[0]]


def _typed_timestamp(column: Column, typed: tuple[str, str], *, timezone: str,
                     latest: str) -> ColumnPlan:
    """A timestamp column read from a typed one: naive times (and dates) are wall-clock
    time in the workspace timezone and instants keep their instant, as text would; only
    an empty value or one out of range is rejected (``parsed_select`` prints the value)."""
    source, kind = typed
    meaning = _TIME_TYPES[kind]
    value = (_FLOOR_US.format(raw=RAW) if meaning == "nanos" else f"CAST({RAW} AS TIMESTAMP)")
    parsed = (f"timezone('UTC', {RAW})" if meaning == "instant" else _local(value, timezone))
    name = column.name
    checks = [Check(f"{RAW} IS NULL", literal(f"empty {name}: every row needs a {name}"))
              ] if column.required else []
    checks.append(_range(column, latest))
    return ColumnPlan(name, SQL_TYPES[column.kind], source, parsed, tuple(checks))


def _range(column: Column, latest: str) -> Check:
    name = column.name
    return Check(
        f"{VALUE} < TIMESTAMP '{EARLIEST}'", literal(f"impossible {name}: before {EARLIEST}"),
    ) if column.planned else Check(
        f"{VALUE} < TIMESTAMP '{EARLIEST}' OR {VALUE} > TIMESTAMP '{latest}'",
        literal(f"impossible {name}: before {EARLIEST} or in the future"),
    )


def plan_column(
    column: Column, raw: str, *, timezone: str, latest: str, ts_format: str | None = None,
    typed: tuple[str, str] | None = None,
) -> ColumnPlan:
    """How to parse and check one canonical column whose raw text is ``raw``; ``typed``
    (``typed_time``): its source already holds times, read as they are (its raw is the
    typed value), unless ``ts_format`` asks for the text to be parsed."""
    name = column.name
    if column.kind == "timestamp" and typed is not None and not ts_format:
        return _typed_timestamp(column, typed, timezone=timezone, latest=latest)
    checks: list[Check] = []
    if column.required:
        checks.append(Check(BLANK, literal(f"empty {name}: every row needs a {name}")))

    if column.kind == "timestamp":
        parsed = f"CASE WHEN {BLANK} THEN NULL ELSE {_timestamp(timezone, ts_format)} END"
        if not ts_format:
            plain = f"CASE WHEN {_PLAIN_SHAPE} THEN try_strptime({RAW}, {literal(_PLAIN)}) END"
            parsed = f"coalesce({_local(plain, timezone)}, {parsed})"
        hint = (f"does not match --ts-format {ts_format}" if ts_format else
                "is not a timestamp (use ISO 8601 like 2024-06-01 12:30:00, Unix seconds, "
                "or pass --ts-format)")
        checks.append(Check(f"NOT {BLANK} AND {VALUE} IS NULL", literal(f"{name} {hint}")))
        checks.append(_range(column, latest))
    elif column.kind in ("double", "integer"):
        parsed = f"TRY_CAST(trim({RAW}) AS DOUBLE)"
        if column.kind == "integer":  # accept "25" and "25.0", not "25.5" (a cast would round)
            parsed = f"CASE WHEN {parsed} = round({parsed}) THEN CAST({parsed} AS BIGINT) END"
        checks.append(Check(
            f"NOT {BLANK} AND {VALUE} IS NULL",
            literal(f"{name} is not {'an integer' if column.kind == 'integer' else 'a number'}"),
        ))
        if column.min_value is not None:
            checks.append(Check(f"{VALUE} < {column.min_value}",
                                literal(f"impossible {name}: below {column.min_value:g}")))
        if column.max_value is not None:
            checks.append(Check(f"{VALUE} > {column.max_value}",
                                literal(f"impossible {name}: above {column.max_value:g}")))
    else:
        parsed = TEXT
    return ColumnPlan(name, SQL_TYPES[column.kind], raw, parsed, tuple(checks))


def property_plan(name: str, source: str, source_type: str, target_type: str) -> ColumnPlan:
    """A property column: cast to the type it has in the warehouse, reject what will not cast."""
    col = ident(source)
    if source_type == target_type:
        return ColumnPlan(name, target_type, col, RAW, ())
    raw = f"CAST({col} AS VARCHAR)"
    if target_type == "VARCHAR":
        return ColumnPlan(name, target_type, raw, f"NULLIF({RAW}, '')", ())
    parsed = f"TRY_CAST(NULLIF(trim({RAW}), '') AS {target_type})"
    check = Check(
        f"NOT {BLANK} AND {VALUE} IS NULL",
        literal(f"property {name} is not a valid {target_type} like the rest of the column"),
    )
    return ColumnPlan(name, target_type, raw, parsed, (check,))


def infer_property_types(con, table: str, columns: list[str]) -> dict[str, str]:  # noqa: ANN001
    """Narrowest type (BIGINT, DOUBLE, BOOLEAN, TIMESTAMP, else VARCHAR) that every value fits."""
    if not columns:
        return {}
    candidates = ("BIGINT", "DOUBLE", "BOOLEAN")
    selects = []
    for column in columns:
        value = f"NULLIF(trim({ident(column)}), '')"
        # A cast to BIGINT would round "1.5"; integers must look like integers.
        fits = {
            "BIGINT": f"CASE WHEN regexp_full_match({value}, '[+-]?[0-9]{{1,18}}') THEN 1 END",
            "DOUBLE": f"TRY_CAST({value} AS DOUBLE)",
            "BOOLEAN": f"CASE WHEN lower({value}) IN ('true', 'false') THEN 1 END",
        }
        selects.append(f"count({value})")
        selects.extend(f"count({value}) - count({fits[t]})" for t in candidates)
    row = con.execute(f"SELECT {', '.join(selects)} FROM {table}").fetchall()[0]
    types = {}
    for index, column in enumerate(columns):
        present, *failures = row[index * 4:(index + 1) * 4]
        fits = [t for t, f in zip(candidates, failures, strict=True) if present and f == 0]
        types[column] = fits[0] if fits else "VARCHAR"
    return types


def parsed_select(plans: list[ColumnPlan], relation: str, *, numbered: bool = True,
                  keep: bool = False) -> str:
    """Typed columns plus the first failed check of each row (reason, column, raw value).

    Each column is parsed once: raw text in the inner query, the parsed value in the middle
    one, and the checks in the outer one refer to both by name.
    """
    raws = ", ".join(f"{p.raw} AS _r{i}" for i, p in enumerate(plans))
    values = ", ".join(f"{_refer(p.parsed, i)} AS _v{i}" for i, p in enumerate(plans))
    checks = [(p, _refer(c.failed, i), c.reason) for i, p in enumerate(plans) for c in p.checks]
    if checks:
        reason = "CASE " + " ".join(f"WHEN {f} THEN {r}" for _, f, r in checks) + " END"
        column = "CASE " + " ".join(f"WHEN {f} THEN {literal(p.name)}" for p, f, _ in checks)
        value = "CASE " + " ".join(f"WHEN {f} THEN CAST(_r{plans.index(p)} AS VARCHAR)"
                                   for p, f, _ in checks)  # a typed time's raw is no text
        column, value = column + " END", value + " END"
    else:
        reason = column = value = "CAST(NULL AS VARCHAR)"
    typed = ", ".join(f"CAST(_v{i} AS {p.sql_type}) AS {ident(p.name)}"
                      for i, p in enumerate(plans))
    # Numbering rows costs a serial pass; only rejects, sessions and keys need it.
    row = "_row, " if numbered else ""
    row += f"{KEEP}, " if keep else ""
    inner = (f"SELECT {'row_number() OVER () AS _row, ' if numbered else ''}"
             f"{f'{KEEP}, ' if keep else ''}{raws} FROM {relation}")
    middle = (f"SELECT {row}{', '.join(f'_r{i}' for i in range(len(plans)))}, "
              f"{values} FROM ({inner})")
    return (f"SELECT {row}{typed}, {reason} AS _reason, {column} AS _reject_column, "
            f"{value} AS _reject_value FROM ({middle})")


def _refer(sql: str, index: int) -> str:
    return sql.replace(RAW, f"_r{index}").replace(VALUE, f"_v{index}")
