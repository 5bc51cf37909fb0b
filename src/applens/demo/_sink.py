"""Streaming writers for generated events: one Parquet row group / CSV block per chunk.

Files are written under a temporary name and renamed on close, so a crash never leaves a
half-written ``events.*`` that looks complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from applens._files import publish, temp_beside
from applens.demo import _catalog as cat
from applens.demo._batch import EventBatch
from applens.demo._population import Population

__all__ = ["EVENT_COLUMNS", "EventSink", "EventsFormat"]

EventsFormat = Literal["parquet", "csv"]
EVENT_COLUMNS = (
    "ts", "user_id", "event", "session_id", "app_version", "os", "device",
    "country", "city", "source", "ip", "receiver_id",
)
_USER_ATTRS = ("app_version", "os", "device", "country", "city", "source", "ip")


class EventSink:
    """Turns EventBatches into Arrow tables and appends them to ``events.<fmt>``."""

    def __init__(self, out_dir: Path, fmt: EventsFormat, pop: Population) -> None:
        self.path = out_dir / f"events.{fmt}"
        self._tmp = temp_beside(self.path)
        self._fmt = fmt
        self._pop = pop
        self._kinds = pa.array(cat.EVENT_KINDS, pa.string())
        ts_type = pa.timestamp("us") if fmt == "parquet" else pa.timestamp("ms")
        fields = [pa.field("ts", ts_type, nullable=False)]
        fields += [
            pa.field(c, pa.string(), nullable=c == "receiver_id") for c in EVENT_COLUMNS[1:]
        ]
        self.schema = pa.schema(fields)
        self._writer: pq.ParquetWriter | pacsv.CSVWriter
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        else:
            self._writer = pacsv.CSVWriter(self._tmp, self.schema)
        self.rows = 0

    def write(self, batch: EventBatch) -> None:
        if len(batch):
            self._writer.write_table(self._table(batch))
            self.rows += len(batch)

    def close(self) -> None:
        self._writer.close()
        publish(self._tmp, self.path)

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def _table(self, batch: EventBatch) -> pa.Table:
        user = pa.array(batch.user)
        ts = pa.array(batch.ts_ms, pa.int64())
        ts = (pc.multiply(ts, 1000) if self._fmt == "parquet" else ts).cast(self.schema[0].type)
        session_no = pc.cast(pa.array(batch.session), pa.string())
        session = pc.binary_join_element_wise("s", session_no, "")
        receiver = pa.array(batch.receiver, mask=batch.receiver < 0)
        cols: dict[str, pa.Array] = {
            "ts": ts,
            "user_id": self._pop.user_ids.take(user),
            "event": self._kinds.take(pa.array(batch.kind.astype(np.int64))),
            "session_id": session,
        }
        for name in _USER_ATTRS:
            cols[name] = self._pop.attrs[name].take(user)
        cols["receiver_id"] = self._pop.user_ids.take(receiver)
        return pa.table([cols[c] for c in EVENT_COLUMNS], schema=self.schema)
