"""The ETL table's columns and their types per SQL dialect (see ``applens.etl.targets``)."""

from __future__ import annotations

__all__ = ["COLUMNS", "RUN_COLUMNS", "TYPES"]

COLUMNS = ("date", "hour", "job", "metric", "dimension", "dimension_value", "metric_value",
           "computed_at")
RUN_COLUMNS = ("job", "date", "row_count", "computed_at")
TYPES = {  # dialect -> the column types of COLUMNS, then of RUN_COLUMNS
    "duckdb": ("DATE NOT NULL", "SMALLINT", "VARCHAR NOT NULL", "VARCHAR NOT NULL",
               "VARCHAR NOT NULL", "VARCHAR NOT NULL", "DOUBLE", "TIMESTAMP NOT NULL",
               "VARCHAR NOT NULL", "DATE NOT NULL", "INTEGER NOT NULL", "TIMESTAMP NOT NULL"),
    "postgresql": ("date NOT NULL", "smallint", "text NOT NULL", "text NOT NULL",
                   "text NOT NULL", "text NOT NULL", "double precision",
                   "timestamp NOT NULL", "text NOT NULL", "date NOT NULL",
                   "integer NOT NULL", "timestamp NOT NULL"),
    "mysql": ("DATE NOT NULL", "SMALLINT NULL", "VARCHAR(200) NOT NULL",
              "VARCHAR(200) NOT NULL", "VARCHAR(200) NOT NULL", "VARCHAR(500) NOT NULL",
              "DOUBLE NULL", "DATETIME(6) NOT NULL", "VARCHAR(200) NOT NULL", "DATE NOT NULL",
              "INT NOT NULL", "DATETIME(6) NOT NULL"),
    "clickhouse": ("Date", "Nullable(Int16)", "String", "String", "String", "String",
                   "Nullable(Float64)", "DateTime64(6)", "String", "Date", "Int32",
                   "DateTime64(6)"),
}
