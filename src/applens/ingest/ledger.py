"""The ingest ledger: what each ingest read, loaded and rejected, and the --max-rejects limit.

Tables ``ingests`` (one row per source loaded) and ``rejects`` (one row per rejected line)
live in the warehouse beside the data; a source whose fingerprint is in ``ingests`` is not
loaded again.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from applens.errors import InvalidParameterError, TooManyRejectsError

__all__ = ["LEDGER_DDL", "IngestSummary", "RejectLimit", "may_repeat", "parse_max_rejects",
           "previous_ingest", "too_many_rejects"]

LEDGER_DDL = (
    "CREATE TABLE IF NOT EXISTS ingests (ingest_id INTEGER, source VARCHAR, fingerprint VARCHAR,"
    " target VARCHAR, format VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT,"
    " mapping VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, rows_filtered BIGINT)",
    "ALTER TABLE ingests ADD COLUMN IF NOT EXISTS rows_filtered BIGINT",
    # a file's size: one of a size never loaded before cannot be a duplicate (see may_repeat)
    "ALTER TABLE ingests ADD COLUMN IF NOT EXISTS source_bytes BIGINT",
    "CREATE TABLE IF NOT EXISTS rejects (ingest_id INTEGER, source VARCHAR, target VARCHAR,"
    ' line BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR)',
)


@dataclass(frozen=True)
class IngestSummary:
    source: str
    table: str
    format: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    ingest_id: int | None = None
    skipped_as_duplicate_of: int | None = None
    mapping: str = ""
    guessed: dict[str, str] = field(default_factory=dict)
    sessions_derived: bool = False
    seconds: float = 0.0
    top_reasons: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # plain sentences worth a user's attention
    rows_filtered: int = 0  # left out by --where: read = loaded + rejected + filtered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RejectLimit:
    text: str
    count: int | None = None
    share: float | None = None
    name: str = "--max-rejects"  # where the limit came from, for messages

    def exceeded(self, rejected: int, read: int) -> bool:
        if self.count is not None:
            return rejected > self.count
        return read > 0 and rejected / read > (self.share or 0.0)


def parse_max_rejects(value: str | int | None) -> RejectLimit | None:
    """``"100"`` (rows) or ``"1%"`` (share of rows read); None means no limit."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if match:
        return RejectLimit(text, share=float(match.group(1)) / 100)
    if text.isdigit():
        return RejectLimit(text, count=int(text))
    raise InvalidParameterError(
        f"--max-rejects must be a row count like 100 or a share like 1%. Got {text!r} instead."
    )


def may_repeat(con, target: str, size: int) -> bool:  # noqa: ANN001
    """Whether a file of ``size`` bytes could be one already loaded into ``target``: one of
    that size was, or one whose size the ledger lacks (rows written before it kept sizes).
    Same bytes means same size, so otherwise the file is new and loads without waiting for
    its content hash."""
    return bool(con.execute(
        "SELECT count(*) FROM ingests WHERE target = ? AND fingerprint LIKE 'sha256:%' "
        "AND (source_bytes IS NULL OR source_bytes = ?)", [target, size]).fetchall()[0][0])


def previous_ingest(con, fingerprint: str, target: str, label: str,  # noqa: ANN001
                    limit: RejectLimit | None) -> int | None:
    """The ingest that already loaded this content; its rejects still answer to the limit."""
    previous = con.execute(
        "SELECT min(ingest_id) FROM ingests WHERE fingerprint = ? AND target = ?",
        [fingerprint, target],
    ).fetchall()[0][0]
    if previous is None or limit is None:
        return previous
    read, rejected = con.execute(
        "SELECT rows_read, rows_rejected FROM ingests WHERE ingest_id = ?", [previous]
    ).fetchall()[0]
    if limit.exceeded(rejected, read):
        raise TooManyRejectsError(too_many_rejects(
            con, limit, f"{label} (already ingested as #{previous}, unchanged since)", previous,
            rejected, read, written=False))
    return previous


def too_many_rejects(con, limit: RejectLimit, label: str, ingest_id: int,  # noqa: ANN001
                     rejected: int, read: int, *, written: bool = True) -> str:
    """The breach in one line: counts by reason, each with its first line, column, value."""
    worst = con.execute(
        'SELECT reason, count(*), min(line), arg_min("column", line), arg_min(value, line) '
        "FROM rejects WHERE ingest_id = ? GROUP BY reason ORDER BY count(*) DESC, min(line) "
        "LIMIT 3", [ingest_id]).fetchall()
    shown = "; ".join(
        f"{n} × {why} (first at line {line}"
        + (f", column {col}" if col else "") + f", value {_clip(val)!r})"
        for why, n, line, col, val in worst)
    share = f"{rejected / read:.1%}" if read else "all"
    outcome = ("so nothing was written" if written
               else "so this command fails; its rows stay as loaded then")
    name = limit.name
    if name == "--max-rejects":
        name += f" {limit.text}"
    return (
        f"{label}: {rejected} of {read} rows ({share}) were rejected, more than {name} "
        f"allows, {outcome}. By reason: {shown}. Fix the rows (or the column "
        "mapping) and retry, or raise --max-rejects."
    )


def _clip(value: str | None, width: int = 60) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[:width - 1] + "…"
