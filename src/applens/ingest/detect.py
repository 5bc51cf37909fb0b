"""What a file really is: format, compression, text encoding and CSV dialect.

The content decides, not the name: a ``.parquet`` file holding CSV text is an error that says
so, instead of a cryptic reader failure deep inside DuckDB.
"""

from __future__ import annotations

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

__all__ = ["FileInfo", "detect"]

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


# Legacy single-byte encodings of the exports we meet most (Russian, Western, Central European).
_LEGACY = ("cp1251", "cp1252", "koi8_r", "cp1250")


def _plausibility(text: str) -> int:
    """Words in one script count for, mixed-script or all-accented "Latin" words against."""
    score = 0
    for word in re.findall(r"[^\W\d_]+", text):
        if word.isascii():
            continue
        scripts = {unicodedata.name(c, "?").split()[0] for c in word}
        latin_only_accents = scripts == {"LATIN"} and not any(c.isascii() for c in word)
        if len(scripts) > 1 or latin_only_accents:
            score -= 2
        else:  # real words are lower-case or capitalised; a wrong code page flips case
            score += 2 if word.islower() or word.istitle() else 1
    return score


def _legacy_encoding(head: bytes) -> str | None:
    """Statistical detectors fail on short samples; judge the usual suspects by their words."""
    scored = []
    for encoding in _LEGACY:
        try:
            scored.append((_plausibility(head.decode(encoding)), encoding))
        except UnicodeDecodeError:
            continue
    best = max(scored, default=(0, None))
    return best[1] if best[0] > 0 else None


def _encoding(head: bytes, path: Path) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # the sample cut a multi-byte character
            return "utf-8"
    legacy = _legacy_encoding(head)
    if legacy is not None:
        return legacy
    best = from_bytes(head).best()
    if best is None:
        raise SourceError(
            f"{path} is not a text file in any encoding we recognise. "
            "Convert it to UTF-8 CSV, or use Parquet or JSON."
        )
    return best.encoding


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

    if head[:4] == b"PAR1":
        found: Format = "parquet"
    elif b"\x00" in head[:4096]:
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
