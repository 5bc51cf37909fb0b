"""Lines that would corrupt the rows after them, set aside before DuckDB reads a CSV.

A quote that is never closed swallows the rest of the file, and a NUL byte is a sign of a
damaged one: each such line is left out of a UTF-8 copy and returned with its reason
(``readable``), so it costs its own line only.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from applens.engines.detect import CHUNK, FileInfo, transcode_to_utf8

__all__ = ["MAX_RECORD_LINES", "NUL_BYTE", "UNCLOSED_QUOTE", "Readable", "readable"]

UNCLOSED_QUOTE = ("malformed CSV row: unclosed quote (it would swallow the lines after it); "
                  'close it, or double a quote inside a value ("")')
NUL_BYTE = "malformed CSV row: a NUL byte (\\0), a sign of a damaged file; remove it"
MAX_RECORD_LINES = 10_000  # a quoted value spanning more lines is a broken quote


@dataclass(frozen=True)
class Readable:
    """What DuckDB reads: the file itself, or a UTF-8 copy without ``skipped`` lines."""

    path: Path
    skipped: tuple[tuple[int, str, str], ...] = ()  # (file line, text, reason)

    def source_line(self, line: int) -> int:
        """The file line of ``line`` in the copy (skipped lines are not in the copy)."""
        for skipped, _, _ in self.skipped:
            if skipped <= line:
                line += 1
        return line


def _quote_state(text: str, delimiter: str, state: tuple[bool, bool, bool]
                 ) -> tuple[bool, bool, bool]:
    """(inside quotes, at a field start, just after a closing quote) after ``text``."""
    quoted, start, closed = state
    for char in text:
        if quoted:
            if char == '"':
                quoted, closed = False, True
            continue
        if char == '"' and (start or closed):
            quoted, start, closed = True, False, False  # opens a field, or "" inside one
        elif char == delimiter:
            start, closed = True, False
        elif char not in "\r\n":
            start = closed = False
    return quoted, start, closed


def _closes(text: str, delimiter: str) -> bool:
    """The line parses as one whole record (the csv module, in C: the fast common case)."""
    try:
        next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter, strict=True), None)
    except csv.Error:
        return False
    return True


def _records(lines: Iterator[tuple[int, str]], delimiter: str, width: int
             ) -> Iterator[tuple[int, str, str | None]]:
    """(first line, text, reason to skip or None) for each record; a quote that stays open
    past the end of its record costs its own line and reading resumes on the next one."""
    pending: list[tuple[int, str]] = []  # lines to read again after a broken quote
    record: list[tuple[int, str]] = []
    state = (False, True, False)
    while True:
        item = pending.pop() if pending else next(lines, None)
        if item is None:
            if not record:
                return
            (number, text), rest = record[0], record[1:]
            yield number, text, UNCLOSED_QUOTE
            pending.extend(reversed(rest))
            record, state = [], (False, True, False)
            continue
        number, text = item
        if not record and '"' not in text and "\x00" not in text:
            yield number, text, None  # nearly every line
            continue
        if not record and "\x00" in text:
            yield number, text, NUL_BYTE
            continue
        if not record and _closes(text, delimiter):
            yield number, text, None  # quoted fields that close on their own line
            continue
        record.append(item)
        state = _quote_state(text, delimiter, state)
        if state[0] and len(record) < MAX_RECORD_LINES:
            continue
        joined = "".join(t for _, t in record)
        fields = next(csv.reader([joined.rstrip("\r\n")], delimiter=delimiter), [])
        if len(record) == 1 or (not state[0] and len(fields) == width
                                and "\x00" not in joined):
            yield record[0][0], joined, None
        else:
            yield record[0][0], record[0][1], UNCLOSED_QUOTE
            pending.extend(reversed(record[1:]))
        record, state = [], (False, True, False)


def _text_lines(path: Path, compressed: bool) -> Iterator[tuple[int, str]]:
    opener = gzip.open if compressed else open
    with opener(path, "rb") as raw:
        # \n, \r\n and \r all end a line, as for DuckDB; stray bytes survive the round trip
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        yield from enumerate(text, start=1)


def _needs_scan(path: Path, compressed: bool) -> bool:
    """Whether a line holds a NUL byte or an odd number of quotes (so may leave one open).

    Quotes that pair up on every line (nearly every quoted CSV) need no line-by-line look.
    """
    opener = gzip.open if compressed else open
    tail = b""
    with opener(path, "rb") as handle:
        while block := handle.read(CHUNK):
            if b"\x00" in block:
                return True
            if b'"' not in block and b'"' not in tail:  # most blocks: no line to count
                end = block.rfind(b"\n")
                tail = tail + block if end < 0 else block[end + 1:]
                continue
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            if any(line.count(b'"') % 2 for line in lines):
                return True
    return tail.count(b'"') % 2 == 1


def readable(info: FileInfo, scratch: Path, *, repair: bool = True) -> Readable:
    """The file as DuckDB should read it: UTF-8, and for CSV without the lines that would
    corrupt others (each returned with its reason). Copies are written under ``scratch``."""
    path = info.path
    if info.format != "parquet" and info.encoding not in ("utf-8", "utf-8-sig", "ascii"):
        path = transcode_to_utf8(info, scratch / f"utf8-{info.path.name}")
    compressed = info.compression == "gzip" and path == info.path
    if info.format != "csv" or not repair or not _needs_scan(path, compressed):
        return Readable(path)
    records = _records(_text_lines(path, compressed), info.delimiter, len(info.columns))
    next(records, None)  # the header
    skipped = tuple((n, t.rstrip("\r\n"), why) for n, t, why in records if why)
    if not skipped:
        return Readable(path)
    target = scratch / f"clean-{info.path.name}.csv"
    drop = {n for n, _, _ in skipped}
    with target.open("w", encoding="utf-8", errors="surrogateescape", newline="") as out:
        for number, text, _ in _records(_text_lines(path, compressed), info.delimiter,
                                        len(info.columns)):
            if number not in drop:
                out.write(text)
    if path != info.path:
        path.unlink(missing_ok=True)
    return Readable(target, skipped)
