"""The ClickHouse ETL target (``clickhouse://user:pass@host:8123/db``), through the same
clickhouse-connect connection as ``applens.engines.clickhouse``.

Untested against a server (none runs here). ClickHouse has no transactions: a date is
replaced by a synchronous ``ALTER TABLE … DELETE`` (``mutations_sync = 2``) and then an
insert, so a failure between the two leaves the date empty until the next run; the runs
table is written last, so an interrupted date is never skipped by a backfill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from applens.errors import SchemaError, SourceError
from applens.etl._schema import COLUMNS, RUN_COLUMNS, TYPES
from applens.etl.compute import Row
from applens.etl.config import EtlJob
from applens.ingest.sql import literal

__all__ = ["ClickHouseTarget"]


class ClickHouseTarget:
    """``ensure`` / ``done_dates`` / ``replace`` / ``close`` like ``targets.Target``."""

    dialect = "clickhouse"

    def __init__(self, label: str, client: Any) -> None:
        self.label = label
        self.client = client

    @classmethod
    def connect(cls, job: EtlJob) -> ClickHouseTarget:
        from applens.engines.clickhouse import connect_server

        backend = connect_server(job.target)
        return cls(job.target_label, backend.con)

    def _command(self, sql: str) -> Any:
        try:
            return self.client.command(sql)
        except Exception as exc:  # clickhouse-connect's own error types
            line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SourceError(f"ETL target {self.label}: {line}") from None

    def _columns(self, table: str) -> list[str] | None:
        found = self._command(f"SELECT groupArray(name) FROM system.columns WHERE "
                              f"database = currentDatabase() AND table = {literal(table)}")
        names = [str(n).lower() for n in (found or [])] if isinstance(found, list) else []
        return names or None

    def ensure(self, job: EtlJob) -> None:
        types = TYPES["clickhouse"]
        for table, names, kinds in ((job.table_name, COLUMNS, types[:8]),
                                    (f"{job.table_name}_runs", RUN_COLUMNS, types[8:])):
            found = self._columns(table)
            if found is not None and sorted(found) != sorted(names):
                raise SchemaError(f"ETL target {self.label}: table '{table}' has columns "
                                  f"({', '.join(found)}) but [etl.{job.name}] writes "
                                  f"({', '.join(names)}). Drop or rename it.")
            body = ", ".join(f"`{c}` {t}" for c, t in zip(names, kinds, strict=True))
            self._command(f"CREATE TABLE IF NOT EXISTS `{table}` ({body}) ENGINE = MergeTree "
                          "ORDER BY (`job`, `date`)")
        if job.view_name:
            picks = ", ".join(f"maxIf(`metric_value`, `metric` = {literal(m.name)}) AS "
                              f"`{m.name}`" for m in job.metrics)
            self._command(f"CREATE OR REPLACE VIEW `{job.view_name}` AS SELECT `date`, `hour`, "
                          f"`dimension`, `dimension_value`, {picks} FROM `{job.table_name}` "
                          f"WHERE `job` = {literal(job.name)} GROUP BY `date`, `hour`, "
                          "`dimension`, `dimension_value`")

    def done_dates(self, job: EtlJob) -> set[dt.date]:
        if self._columns(f"{job.table_name}_runs") is None:
            return set()
        found = self._command(f"SELECT groupArray(toString(`date`)) FROM "
                              f"`{job.table_name}_runs` WHERE `job` = {literal(job.name)}")
        return {dt.date.fromisoformat(str(d)) for d in (found or [])}

    def replace(self, job: EtlJob, day: dt.date, rows: Sequence[Row],
                computed_at: dt.datetime) -> None:
        stamp = computed_at.replace(tzinfo=None, microsecond=0)
        where = f"`job` = {literal(job.name)} AND `date` = '{day.isoformat()}'"
        for table in (f"{job.table_name}_runs", job.table_name):
            self._command(f"ALTER TABLE `{table}` DELETE WHERE {where} "
                          "SETTINGS mutations_sync = 2")
        data = [[r.date, r.hour, r.job, r.metric, r.dimension, r.dimension_value,
                 r.metric_value, stamp] for r in rows]
        try:
            self.client.insert(job.table_name, data, column_names=list(COLUMNS))
            self.client.insert(f"{job.table_name}_runs", [[job.name, day, len(rows), stamp]],
                               column_names=list(RUN_COLUMNS))
        except Exception as exc:  # clickhouse-connect's own error types
            line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SourceError(f"ETL target {self.label}: writing {day} failed: {line}") from None

    def close(self) -> None:
        self.client.close()
