"""The rows of one ETL job for one date, computed by the insight engine itself.

Every metric is one trends spec (``EtlJob.metrics[i].spec()``); the date is one local day
of the workspace timezone at interval ``day`` (one period) or ``hour`` (its hours). The
``all`` rows are the spec without a breakdown; each dimension is the same spec with that
breakdown and no value limit (no ``Other`` folding). So a number in the table is, by
construction, what ``applens query`` gives for the same date and slice.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from applens.errors import InsufficientDataError, QueryError, did_you_mean
from applens.etl.config import EtlJob
from applens.insights import query
from applens.insights._time import to_utc
from applens.insights.span import data_span, describe_span

__all__ = ["ALL", "Row", "compute_rows", "check_job"]

ALL = "all"  # the dimension and value of the unsliced rows
_LIMIT = 10_000  # breakdown_limit's maximum: every value gets its own row


@dataclass(frozen=True)
class Row:
    """One row of the long table (``computed_at`` is added when it is written)."""

    date: dt.date
    hour: int | None
    job: str
    metric: str
    dimension: str
    dimension_value: str
    metric_value: float | None


def check_job(ws: Any, job: EtlJob) -> None:
    """Unknown events or dimensions are one-line errors before anything is computed."""
    events = ws.table("events")
    known = events.event.value_counts().to_pandas()["event"].dropna().tolist()
    for metric in job.metrics:
        for name in metric.events:
            if name not in known:
                raise QueryError(f"[etl.{job.name}] metric '{metric.name}': there is no event "
                                 f"'{name}'.{did_you_mean(name, known)} Events: "
                                 f"{', '.join(sorted(known))}.")
    people = ([c for c in ws.table("users").columns if not c.startswith("_") and c != "user_id"]
              if ws.has_table("users") else [])
    columns = [c for c in events.columns if not c.startswith("_")]
    choices = columns + [f"person.{c}" for c in people]
    for dim in job.dims:
        if dim.property not in choices:
            raise QueryError(f"[etl.{job.name}] dimension '{dim.name}': there is no property "
                             f"'{dim.property}'.{did_you_mean(dim.property, choices)} Known: "
                             f"{', '.join(choices)}.")


def _has_data(ws: Any, day: dt.date) -> bool:
    zone = ZoneInfo(ws.settings.timezone)
    start = dt.datetime.combine(day, dt.time())
    lo, hi = to_utc(start, zone), to_utc(start + dt.timedelta(days=1), zone)
    events = ws.table("events")
    return bool(events.filter((events.ts >= lo) & (events.ts < hi)).limit(1).count()
                .to_pandas())


def compute_rows(ws: Any, job: EtlJob, day: dt.date) -> list[Row]:
    """Every metric × (all + each dimension value) × period of ``day`` (local)."""
    if not _has_data(ws, day):
        where = describe_span(data_span(ws.backend), ZoneInfo(ws.settings.timezone))
        raise InsufficientDataError(f"No events on {day} ({ws.settings.timezone}) for "
                                    f"[etl.{job.name}]; {where}. Pick a date with data.")
    rows: list[Row] = []
    last = f"{day}T23:00:00" if job.grain == "hour" else day.isoformat()  # the day's last hour
    base = {"date_from": day.isoformat(), "date_to": last, "interval": job.grain}
    for metric in job.metrics:
        spec = {**metric.spec(), **base}
        key = "formula" if metric.formula else "A"
        result = query(spec, ws)
        periods = result["periods"]
        rows += _rows(job, metric.name, ALL, {ALL: result[key]}, periods, day)
        for dim in job.dims:
            sliced = query({**spec, "breakdown": dim.breakdown().model_dump(exclude_none=True),
                            "breakdown_limit": _LIMIT}, ws)
            values = {label: block[key] for label, block in sliced["by_breakdown"].items()}
            rows += _rows(job, metric.name, dim.name, values, periods, day)
    return rows


def _rows(job: EtlJob, metric: str, dimension: str, values: dict[str, list[Any]],
          periods: list[str], day: dt.date) -> list[Row]:
    out = []
    for label, series in values.items():
        for period, value in zip(periods, series, strict=True):
            hour = dt.datetime.fromisoformat(period).hour if job.grain == "hour" else None
            number = None if value is None or (isinstance(value, float) and math.isnan(value)) \
                else float(value)
            out.append(Row(day, hour, job.name, metric, dimension, str(label), number))
    return out
