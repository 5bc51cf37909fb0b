"""Small user files (one row per user, per day, per slot) straight into pandas.

For commands that analyse a file without a workspace (``ab analyze --data``, ``anomalies
score``). The format, delimiter and encoding come from the same content sniffing as
``applens ingest``, so a file that ingests also reads here, with the same error messages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from applens.errors import SourceError
from applens.ingest.detect import detect

__all__ = ["read_frame"]


def read_frame(path: str | Path) -> pd.DataFrame:
    """The file as a DataFrame with pandas' type inference (numbers become numbers)."""
    path = Path(path)
    info = detect(path)
    compression = "gzip" if info.compression == "gzip" else None
    try:
        if info.format == "parquet":
            return pd.read_parquet(path)
        if info.format == "json":
            head = path.read_bytes()[:1] if compression is None else b"{"
            lines = head == b"{" or path.suffix.lower() in (".jsonl", ".ndjson")
            return pd.read_json(path, lines=lines, compression=compression)
        return pd.read_csv(path, sep=info.delimiter, encoding=info.encoding,
                           compression=compression)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise SourceError(f"Cannot read {path} as {info.format.upper()}: {exc}") from exc
