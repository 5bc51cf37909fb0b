from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from applens.demo import GroundTruth, generate


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """The default-size demo (5,000 users x 35 days), generated once for all checks."""
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out, seed=7)


@pytest.fixture(scope="session")
def con(demo: tuple[Path, GroundTruth]) -> duckdb.DuckDBPyConnection:
    out, _ = demo
    db = duckdb.connect()
    db.execute(f"create table events as select * from read_parquet('{out / 'events.parquet'}')")
    db.execute(f"create table users as select * from read_csv('{out / 'users.csv'}')")
    return db
