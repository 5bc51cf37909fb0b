"""What a file really is: format, compression, text encoding and CSV dialect, decided by its
content, not its name; a ``.parquet`` file holding CSV text is an error that says so, instead
of a cryptic reader failure deep inside DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from charset_normalizer import from_bytes

from applens.errors import SourceError

__all__ = ["CHUNK", "FileInfo", "Format", "detect", "transcode_to_utf8"]

CHUNK = 1 << 20  # bytes read at a time from a file
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
    # A blank header cell is named by its position (the 4th: column_4), never left empty.
    return delimiter, tuple(name.strip() or f"column_{number}"
                            for number, name in enumerate(header, start=1))


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
