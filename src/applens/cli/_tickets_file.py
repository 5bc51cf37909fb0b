"""``applens predict tickets-type --input new.csv --output scored.csv``: score a file of
tickets with saved ticket models, without writing to the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from applens.cli._output import OutputFormat, emit, say
from applens.errors import InvalidParameterError, SchemaError
from applens.formatting import count

__all__ = ["score_file"]


def _text_column(columns: list[str], path: Path) -> str:
    from applens.schema import table_spec

    names = ("text", *table_spec("tickets").aliases["text"])
    for name in names:
        for column in columns:
            if column.lower() == name:
                return column
    raise SchemaError(f"{path} has no text column (looked for {', '.join(names)}; it has "
                      f"{', '.join(columns) or 'none'}). Rename the ticket text column to "
                      "'text'.")


def score_file(ws: Any, models: str | None, input_file: Path | None, output: Path | None,
               threshold: float | None, fmt: OutputFormat, top: int) -> None:
    import pandas as pd

    from applens._files import atomic_path
    from applens.engines.files import read_table
    from applens.models.registry import load_model
    from applens.models.tickets import other_threshold, score_texts
    from applens.text.data import LABELS

    if input_file is None or output is None:
        raise InvalidParameterError(
            "--input and --output go together: 'applens predict tickets-type --input new.csv "
            "--output scored.csv'.")
    names = [m.strip() for m in (models or "").split(",") if m.strip()]
    if not names or any(n not in LABELS for n in names):
        raise InvalidParameterError(
            f"--input scores ticket files only; name {' or '.join(LABELS)} "
            f"(got {', '.join(names) or 'none'}).")
    saved = {name: load_model(ws, name) for name in names}  # "train first" before reading
    frame = read_table(input_file).to_pandas()
    column = _text_column(list(frame.columns), input_file)
    texts = frame[column].fillna("").astype(str).tolist()
    for name, model in saved.items():
        labels, proba = score_texts(model, texts, other_threshold(ws, name, threshold))
        frame[f"{name}_label"] = labels
        frame[f"{name}_probability"] = proba.round(4)
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(output) as temp:
        if output.suffix.lower() == ".parquet":
            frame.to_parquet(temp, index=False)
        else:
            frame.to_csv(temp, index=False)
    if fmt is OutputFormat.table:
        shown = [c for c in frame.columns if c == column or c.startswith(tuple(names))]
        emit(pd.DataFrame(frame[shown].head(top)), fmt, title=f"{input_file.name}: first {top}")
        say(f"Wrote {count(len(frame))} scored tickets to {output}")
    else:
        emit(frame.head(top), fmt)
