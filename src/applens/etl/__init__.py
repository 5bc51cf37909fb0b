"""Materialised metrics by slice: ``[etl.<name>]`` jobs written to a target table.

>>> from applens import etl                                        # doctest: +SKIP
>>> etl.run_date(ws, "daily_slices", datetime.date(2026, 11, 21))  # doctest: +SKIP
DateRun(job='daily_slices', date=..., rows=412, target='warehouse', ...)

See :mod:`applens.etl.targets` for the table's schema and :mod:`applens.etl.config` for
the job's settings.
"""

from __future__ import annotations

from applens.etl.compute import ALL, Row, check_job, compute_rows
from applens.etl.config import DimensionDef, EtlJob, MetricDef, load_jobs, parse_metric
from applens.etl.run import Backfill, DateRun, backfill, get_job, jobs, run_date
from applens.etl.targets import COLUMNS, RUN_COLUMNS, Target, open_target

__all__ = ["ALL", "COLUMNS", "RUN_COLUMNS", "Backfill", "DateRun", "DimensionDef", "EtlJob",
           "MetricDef", "Row", "Target", "backfill", "check_job", "compute_rows", "get_job",
           "jobs", "load_jobs", "open_target", "parse_metric", "run_date"]
