"""``applens anomalies …``: score a metric series from a file, list the detectors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from applens.cli._output import FormatOption, OutputFormat, emit, err_console
from applens.cli._registry import COMMANDS
from applens.errors import (
    DataError,
    InvalidParameterError,
    SchemaError,
    did_you_mean,
)
from applens.ingest.frame import read_frame

anomalies_app = typer.Typer(
    help="Detect anomalies in metric series (causal detectors, NAB-evaluated).",
    no_args_is_help=True,
)


@COMMANDS.register("anomalies")
def register(app: typer.Typer) -> None:
    app.add_typer(anomalies_app, name="anomalies")


def _column(frame: pd.DataFrame, name: str, path: Path, option: str) -> pd.Series:
    if name not in frame.columns:
        cols = [str(c) for c in frame.columns]
        raise SchemaError(
            f"{path} has no column '{name}' ({option}).{did_you_mean(name, cols)} "
            f"Columns: {', '.join(cols)}."
        )
    return frame[name]


def _parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InvalidParameterError(f"--param expects KEY=VALUE, got '{item}'.")
        value: Any = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        if raw.lower() in ("none", "null"):
            value = None
        params[key.strip().replace("-", "_")] = value
    return params


@anomalies_app.command("score")
def score_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, TSV, Parquet, JSON or JSONL file.")],
    timestamp_col: Annotated[
        str, typer.Option("--timestamp-col", help="Column with the slice timestamps.")
    ] = "timestamp",
    value_col: Annotated[
        str, typer.Option("--value-col", help="Column with the metric.")
    ] = "value",
    detector: Annotated[
        str, typer.Option("--detector", "-d", help="Registry name; see 'anomalies list'.")
    ] = "default",
    min_volume: Annotated[
        float, typer.Option(help="No alert unless value or expected reaches this.")
    ] = 0.0,
    min_abs_change: Annotated[
        float, typer.Option(help="No alert unless |value - expected| reaches this.")
    ] = 0.0,
    cooldown: Annotated[int, typer.Option(help="Rows after an alert with no new alert.")] = 0,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Detector parameter KEY=VALUE.")
    ] = None,
    alerts_only: Annotated[bool, typer.Option(help="Print only the alerting rows.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Score every row of a metric series: anomaly_score, is_alert and the expected band.

    Rows are judged causally (each only against the rows before it), in file order.

    Example:

        applens anomalies score metrics.csv --timestamp-col ts --value-col dau --format csv
    """
    from applens.anomalies import get_detector

    frame = read_frame(file)
    if frame.empty:
        raise DataError(f"{file} has no rows to score.")
    values = pd.to_numeric(_column(frame, value_col, file, "--value-col"), errors="coerce")
    raw_values = _column(frame, value_col, file, "--value-col")
    bad = values.isna() & raw_values.notna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(
            f"{file}, row {row + 1}, column '{value_col}': {raw_values.iloc[row]!r} is not a "
            "number."
        )
    raw_ts = _column(frame, timestamp_col, file, "--timestamp-col")
    timestamps = pd.to_datetime(raw_ts, errors="coerce", utc=True)
    if timestamps.isna().any():
        row = int(timestamps.isna().to_numpy().argmax())
        raise DataError(
            f"{file}, row {row + 1}, column '{timestamp_col}': {raw_ts.iloc[row]!r} is not a "
            "timestamp."
        )
    timestamps = timestamps.dt.tz_localize(None)  # naive UTC, like the events table
    params = {"min_volume": min_volume, "min_abs_change": min_abs_change, "cooldown": cooldown}
    params.update(_parse_params(param or []))
    det = get_detector(detector, **params)
    result = det.fit_detect(values.to_numpy(dtype=float), timestamps)
    out = result.to_frame()
    if alerts_only:
        out = out[out["is_alert"] == 1]
    emit(out, fmt, title=f"{file.name}: {detector} ({int(result.alert.sum())} alerts)")
    if result.note:
        err_console.print(result.note, soft_wrap=True, highlight=False)


@anomalies_app.command("list")
def list_cmd(fmt: FormatOption = OutputFormat.table) -> None:
    """List the registered detectors and their default parameters.

    Example:

        applens anomalies list --format json
    """
    from applens.anomalies import DETECTORS, detector_names

    rows = []
    for name in detector_names():
        cls = DETECTORS[name]
        params = cls().get_params()
        rows.append(
            {
                "name": name,
                "summary": cls.summary,
                "params": ", ".join(f"{k}={v}" for k, v in params.items()),
            }
        )
    emit(rows, fmt, title="Anomaly detectors")
