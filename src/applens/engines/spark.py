"""PySpark in local mode, offline (``shared/docs/stack-notes.md`` §3).

One session per process: the UI is off (it would bind port 4040 on every interface), the
driver binds 127.0.0.1, the warehouse is a private temporary folder (a leftover
``./spark-warehouse`` breaks managed tables), and the session timezone is UTC so naive
``ts`` values are not shifted. Tables are registered as temporary views, never written.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from applens.errors import SourceError

__all__ = ["connect", "load", "session"]

_SESSION: Any = None


def session(cores: int = 2, memory: str = "1g") -> Any:
    """The process's local SparkSession (started on first use; 10-25 s)."""
    global _SESSION
    if _SESSION is not None and _SESSION._jsc is not None:
        return _SESSION
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers use this venv
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SourceError("The Spark engine needs the 'spark' extra: "
                          "pip install 'applens[spark]'.") from None
    warehouse = tempfile.mkdtemp(prefix="applens-spark-")
    _SESSION = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("applens")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")  # pandas 3 breaks it
        .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={warehouse}")
        .getOrCreate()
    )
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def connect(spark: Any = None) -> Any:
    """An Ibis PySpark backend over ``spark`` (default: the local session)."""
    import ibis

    return ibis.pyspark.connect(spark or session())


def load(backend: Any, tables: Mapping[str, Any]) -> None:
    """Register ``{"events": frame_or_arrow_or_path, …}`` as temporary views."""
    spark = backend._session
    for name, data in tables.items():
        if data is None:
            continue
        if isinstance(data, (str, Path)):
            path = str(data)
            if path.endswith(".parquet"):
                frame = spark.read.parquet(path)
            elif path.endswith((".json", ".jsonl", ".ndjson")):
                frame = spark.read.json(path)
            else:
                frame = spark.read.option("header", True).option("inferSchema", True).csv(path)
        else:
            import pyarrow as pa

            arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(
                data, preserve_index=False)
            frame = spark.createDataFrame(arrow)  # not via pandas: its NaN would read "NaN"
        frame.createOrReplaceTempView(name)
