"""Reading data files, the one way every path reads them (ingest, ``--events``, frames).

What a file really is (format, compression, text encoding, CSV dialect) is decided by its
content, not its name: a ``.parquet`` file holding CSV text is an error that says so, instead
of a cryptic reader failure deep inside DuckDB. CSV text is then read by DuckDB with that
explicit dialect (``file_relation``); lines that would corrupt the rows after them (a quote
that is never closed swallows the rest of the file) or that hold a NUL byte are set aside
first (``readable``), so each costs its own line only.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
from charset_normalizer import from_bytes

from applens.engines.duckdb import duckdb_errors
from applens.errors import SourceError

__all__ = ["CSV_REJECTS", "CSV_SCANS", "FileInfo", "Readable", "detect", "file_relation",
           "opened", "read_table", "readable", "transcode_to_utf8"]

CSV_REJECTS = "_applens_csv_rejects"
CSV_SCANS = "_applens_csv_scans"
CHUNK = 1 << 20


Format = Literal["csv", "parquet", "json"]
SAMPLE_BYTES = 256 * 1024
_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".log": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
}


@dataclass(frozen=True)
class FileInfo:
    path: Path
    format: Format
    compression: Literal["none", "gzip"]
    encoding: str = "utf-8"  # text formats only; Python codec name
    delimiter: str = ","
    columns: tuple[str, ...] = ()  # CSV header
    size: int = 0
    sample_rows_per_byte: float = 0.0  # to estimate progress in rows


def _name_format(path: Path) -> Format | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def _read_head(path: Path, gzipped: bool) -> bytes:
    if not gzipped:
        with path.open("rb") as handle:
            return handle.read(SAMPLE_BYTES)
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(SAMPLE_BYTES)
    except (OSError, EOFError) as exc:
        raise SourceError(f"{path} looks gzip-compressed but cannot be read: {exc}.") from None


# Single-byte code pages the statistical detector confuses on short samples or with one
# another (Russian, Western, Central European, Turkish); they join its candidates.
_LEGACY = ("cp1251", "koi8_r", "cp1252", "cp1250", "iso8859_2", "cp1254")
# Japanese mixes kanji with kana in one word; that is one script, not a decoding accident.
# Half-width katakana is what a Japanese code page makes of Cyrillic bytes: its own script.
_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "FULLWIDTH": "CJK"}
_WORDS = re.compile(r"[^\s!-@\[-`{-~]+")  # split on spaces, ASCII digits and punctuation


def _script(char: str) -> str:
    if char.isascii():
        return "LATIN"
    name = unicodedata.name(char, "?").split()[0]
    return _SCRIPT.get(name, name)


def _plausibility(text: str) -> int:
    """How much ``text`` reads like words: well-formed words count for their length; symbols
    inside words (what a wrong code page makes of letters: P³atno¶æ), mixed scripts, words of
    accents only and a flipped case (пЫЙВЛБ) count against."""
    score = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        letters = [c for c in word if unicodedata.category(c)[0] in "LM"]
        scripts = {_script(c) for c in letters if unicodedata.category(c)[0] == "L"}
        if len(letters) < len(word) or len(scripts) > 1:
            score -= 2 * len(word)
        elif scripts == {"LATIN"} and len(word) > 1 and not any(c.isascii() for c in word):
            score -= len(word)
        elif scripts == {"HALFWIDTH"}:
            continue
        elif word.islower() or word.istitle() or not any(c.isupper() for c in word):
            score += len(word)  # caseless scripts (CJK, Hangul, Arabic) land here
        elif not word.isupper():
            score -= len(word)
    return score


def _decoded_plausibility(head: bytes, encoding: str) -> int | None:
    try:
        # the sample may end inside a multi-byte character: judge what precedes it
        return _plausibility(codecs.getincrementaldecoder(encoding)().decode(head))
    except (UnicodeDecodeError, LookupError):
        return None


def _ask(head: bytes, path: Path) -> str:
    """charset-normalizer proposes (best first); its favourite stands unless the words of
    another candidate, or of a usual code page it confuses, read strictly better."""
    proposed = [match.encoding for match in from_bytes(head)]
    # ties: its favourite, then the usual code pages, then its rarer proposals
    candidates = list(dict.fromkeys([*proposed[:1], *_LEGACY, *proposed]))
    scored = [(score, -rank, encoding) for rank, encoding in enumerate(candidates)
              if (score := _decoded_plausibility(head, encoding)) is not None]
    if not proposed and not any(score > 0 for score, _, _ in scored):
        raise SourceError(
            f"{path} is not a text file in any encoding we recognise. "
            "Convert it to UTF-8 CSV, or use Parquet or JSON."
        )
    return max(scored)[2]


def _mostly_utf8(head: bytes) -> bool:
    """Valid multi-byte UTF-8 characters outnumber the bytes that are not UTF-8 twofold."""
    text = head.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for char in text if ord(char) > 127) - bad
    return good >= 2 * bad


def _encoding(head: bytes, path: Path) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Excel's "Unicode text"; the BOM says which byte order
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # the sample cut a multi-byte character
            return "utf-8"
    if _mostly_utf8(head):
        return "utf-8"  # a few lines in another encoding are rejected, the rest kept intact
    return _ask(head, path)


def _dialect(text: str, path: Path) -> tuple[str, tuple[str, ...]]:
    first_line = text.splitlines()[0] if text else ""
    if not first_line.strip():
        raise SourceError(f"{path} has an empty first line; a CSV file needs a header row.")
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    if path.suffix.lower() == ".tsv" or (counts["\t"] and counts["\t"] >= counts[delimiter]):
        delimiter = "\t"
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    return delimiter, tuple(name.strip() for name in header)


def detect(path: str | Path, declared: Format | None = None) -> FileInfo:
    """Inspect the head of ``path``; raise ``SourceError`` when it is unreadable or mislabelled."""
    path = Path(path)
    if not path.exists():
        raise SourceError(
            f"{path} does not exist. Check the path (globs are expanded by the shell)."
        )
    if path.is_dir():
        raise SourceError(f"{path} is a folder. Pass the files in it, e.g. '{path}/*.csv'.")
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path} is empty (0 bytes). Nothing to ingest.")
    with path.open("rb") as handle:
        magic = handle.read(4)
    gzipped = magic[:2] == b"\x1f\x8b"
    head = _read_head(path, gzipped)
    if not head:
        raise SourceError(f"{path} is empty after decompression. Nothing to ingest.")

    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if head[:4] == b"PAR1":
        found: Format = "parquet"
    elif not utf16 and head[:4096].count(b"\x00") > len(head[:4096]) // 100:
        # a stray NUL is one bad line (rejected on its own); many mean a binary file
        raise SourceError(
            f"{path} is a binary file that is neither Parquet nor gzip. "
            "applens reads CSV/TSV, Parquet, JSON and JSON Lines (optionally gzipped)."
        )
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        found = "json"
    else:
        found = "csv"

    expected = declared or _name_format(path)
    if expected is not None and expected != found:
        hint = f"pass --format {found} to read it as {found.upper()} anyway" if declared is None \
            else f"drop --format {declared} to let applens detect it"
        raise SourceError(
            f"{path} is named or declared as {expected.upper()} but its content is "
            f"{found.upper()}; {hint}, or rename the file."
        )
    if declared is not None:
        found = declared

    if found == "parquet":
        if gzipped:
            raise SourceError(f"{path} is a gzipped Parquet file; decompress it first.")
        return FileInfo(path, "parquet", "none", size=size)

    encoding = _encoding(head, path)
    text = head.decode(encoding, errors="replace")
    rows_per_byte = max(text.count("\n"), 1) / max(len(head), 1)
    compression = "gzip" if gzipped else "none"
    if found == "json":
        return FileInfo(path, "json", compression, encoding, size=size,
                        sample_rows_per_byte=rows_per_byte)
    delimiter, columns = _dialect(text.lstrip("\ufeff"), path)
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise SourceError(
            f"{path} has duplicate column names in its header: {', '.join(duplicates)}. "
            "Rename them so each column is unique."
        )
    return FileInfo(path, "csv", compression, encoding, delimiter, columns, size, rows_per_byte)


def transcode_to_utf8(info: FileInfo, target: Path) -> Path:
    """Stream a non-UTF-8 text file into a UTF-8 copy (DuckDB reads UTF-8 only)."""
    opener = gzip.open if info.compression == "gzip" else open
    decoder = codecs.getincrementaldecoder(info.encoding)(errors="strict")
    try:
        with opener(info.path, "rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while block := src.read(CHUNK):
                dst.write(decoder.decode(block))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{info.path} is not consistently {info.encoding}: byte {exc.start} of a block "
            "cannot be decoded. Save the file as UTF-8 and retry."
        ) from None
    return target


def file_relation(info: FileInfo, path: Path) -> str:
    """A DuckDB table function reading ``path`` (the file, or its UTF-8 copy)."""
    location = _literal(str(path))
    if info.format == "parquet":
        return f"read_parquet({location})"
    compression = _literal(info.compression if path == info.path else "none")
    if info.format == "json":
        return f"read_json_auto({location}, compression={compression})"
    columns = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in info.columns)
    # Explicit dialect and all-VARCHAR columns: the sniffer guesses wrong on broken files,
    # and typed reads would hide bad values instead of rejecting them with a reason.
    return (
        f"read_csv({location}, columns={{{columns}}}, auto_detect=false, header=true, "
        f"delim={_literal(info.delimiter)}, quote='\"', escape='\"', compression={compression}, "
        f"store_rejects=true, rejects_table={_literal(CSV_REJECTS)}, "
        f"rejects_scan={_literal(CSV_SCANS)}, max_line_size=10000000)"
    )


# -- lines that would corrupt the rows after them --------------------------------------
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
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            if b'"' in block and any(line.count(b'"') % 2 for line in lines):
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


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- reading a file outside a workspace ----------------------------------------------
_TIME_COLUMNS = ("ts", "created_at")
_REFUSED = ("Fix the line, or load the file with 'applens ingest', which sets bad rows aside "
            "as rejects.")


@contextmanager
def opened(path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """An in-memory DuckDB connection and the SQL relation reading ``path`` the way
    ``applens ingest`` does. A file with a line ingest would reject is refused, naming it:
    call ``check_rows`` after the rows were read."""
    if not path.is_file():
        raise SourceError(f"File '{path}' does not exist.")
    info = detect(path)
    with tempfile.TemporaryDirectory(prefix="applens-") as folder:
        source = readable(info, Path(folder))
        if source.skipped:
            line, _, why = source.skipped[0]
            raise SourceError(f"{path} line {line}: {why}. {_REFUSED}")
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            with duckdb_errors(f"Cannot read '{path}'"):
                yield con, file_relation(info, source.path)
                _check_rows(con, path, source)
        finally:
            con.close()


def _check_rows(con: duckdb.DuckDBPyConnection, path: Path, source: Readable) -> None:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                        [CSV_REJECTS]).fetchall()[0][0]
    first = found and con.execute(f"SELECT line, lower(error_type) FROM {CSV_REJECTS} "
                                  "ORDER BY line LIMIT 1").fetchall()
    if first:
        line, why = first[0]
        raise SourceError(f"{path} line {source.source_line(line)}: malformed CSV row "
                          f"({why}). {_REFUSED}")


def read_table(path: Path) -> pa.Table:
    """The file as an Arrow table, read like ``applens ingest`` reads it; ISO-8601
    ``ts``/``created_at`` text (offsets allowed) becomes a naive-UTC timestamp."""
    with opened(Path(path)) as (con, relation):
        rel = con.sql(f"SELECT * FROM {relation}")
        columns = []
        for name, kind in zip(rel.columns, rel.types, strict=True):
            quoted = '"' + name.replace('"', '""') + '"'
            if name in _TIME_COLUMNS and str(kind) != "TIMESTAMP":
                columns.append(f"CAST(CAST({quoted} AS TIMESTAMPTZ) AS TIMESTAMP) AS {quoted}")
            else:
                columns.append(quoted)
        return con.sql(f"SELECT {', '.join(columns)} FROM {relation}").to_arrow_table()
