"""Running a job: one date (replaced atomically) or a backfill that resumes.

``run_date`` computes every row first (nothing is written if a query fails), then replaces
the date in the target in one transaction. ``backfill`` walks ``start..end``, skipping the
dates the target's ``<table>_runs`` already records (``redo=True`` recomputes them), and
reports each date to ``progress`` so the CLI can draw a bar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from applens.errors import ConfigError, InvalidParameterError, did_you_mean
from applens.etl.compute import check_job, compute_rows
from applens.etl.config import EtlJob, load_jobs
from applens.etl.targets import open_target

__all__ = ["Backfill", "DateRun", "backfill", "get_job", "jobs", "run_date"]

Progress = Callable[[dt.date, str], Any]  # (date, "done" | "skipped")


@dataclass(frozen=True)
class DateRun:
    """What one date wrote."""

    job: str
    date: dt.date
    rows: int
    target: str
    table: str

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job, "date": self.date.isoformat(), "rows": self.rows,
                "target": self.target, "table": self.table}


@dataclass(frozen=True)
class Backfill:
    """The dates a backfill wrote and the ones it found already done."""

    job: str
    done: tuple[DateRun, ...] = ()
    skipped: tuple[dt.date, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job, "done": [r.to_dict() for r in self.done],
                "skipped": [d.isoformat() for d in self.skipped]}


def jobs(ws: Any) -> dict[str, EtlJob]:
    """The workspace's ``[etl.<name>]`` jobs, validated."""
    return load_jobs(getattr(ws.settings, "etl", {}) or {})


def get_job(ws: Any, name: str) -> EtlJob:
    declared = jobs(ws)
    if name not in declared:
        known = ", ".join(declared) or "none yet"
        raise ConfigError(f"There is no ETL job '{name}'.{did_you_mean(name, declared)} "
                          f"Declared in applens.toml: {known} (add an [etl.{name}] table).")
    return declared[name]


def run_date(ws: Any, job: EtlJob | str, day: dt.date) -> DateRun:
    """Compute ``day`` and replace its rows in the target (one transaction)."""
    job = get_job(ws, job) if isinstance(job, str) else job
    check_job(ws, job)
    rows = compute_rows(ws, job, day)
    target = open_target(ws, job)
    try:
        target.ensure(job)
        target.replace(job, day, rows, ws.now())
    finally:
        target.close()
    return DateRun(job.name, day, len(rows), job.target_label, job.table_name)


def backfill(ws: Any, job: EtlJob | str, start: dt.date, end: dt.date, *, redo: bool = False,
             progress: Progress | None = None) -> Backfill:
    """Every date from ``start`` to ``end`` (inclusive) not yet done; stops at the first
    failure (the dates before it stay done, so the next backfill resumes there)."""
    job = get_job(ws, job) if isinstance(job, str) else job
    if end < start:
        raise InvalidParameterError(f"--to ({end}) is before --from ({start}).")
    check_job(ws, job)
    target = open_target(ws, job)
    try:
        target.ensure(job)
        done = set() if redo else target.done_dates(job)
        written: list[DateRun] = []
        skipped: list[dt.date] = []
        day = start
        while day <= end:
            if day in done:
                skipped.append(day)
                if progress:
                    progress(day, "skipped")
            else:
                rows = compute_rows(ws, job, day)
                target.replace(job, day, rows, ws.now())
                written.append(DateRun(job.name, day, len(rows), job.target_label,
                                       job.table_name))
                if progress:
                    progress(day, "done")
            day += dt.timedelta(days=1)
    finally:
        target.close()
    return Backfill(job.name, tuple(written), tuple(skipped))
