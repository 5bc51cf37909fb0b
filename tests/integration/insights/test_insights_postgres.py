"""The same specs give identical results on PostgreSQL and DuckDB (one expression, two engines)."""

from __future__ import annotations

import os

import ibis
import numpy as np
import pandas as pd
import pytest

from applens.insights import run

pytestmark = pytest.mark.db

SPECS = [
    {"kind": "active_users", "math": ["total", "dau", "wau", "mau", "per_user_avg"]},
    {"kind": "active_users", "math": ["dau"], "interval": "week", "breakdown": {"property": "os"},
     "breakdown_limit": 2},
    {"kind": "trends", "series": [{"event": "click"}, {"event": "view", "math": "dau"}],
     "formula": "A / B"},
    {"kind": "stickiness", "event": "buy"},
    {"kind": "lifecycle", "interval": "week", "event": "buy"},
    {"kind": "retention", "total_intervals": 4, "interval": "week", "target": {"event": "view"},
     "returning": {"event": "click"}, "breakdown": {"property": "os"}},
    {"kind": "retention", "total_intervals": 5, "retention_type": "first_time",
     "cumulative": True},
    {"kind": "funnel", "steps": [{"event": "view"}, {"event": "click"}, {"event": "buy"}],
     "conversion_window": {"value": 1, "unit": "day"}, "breakdown": {"property": "os"}},
    {"kind": "funnel", "order": "strict", "steps": [{"event": "view"}, {"event": "click"}]},
    {"kind": "funnel", "order": "unordered", "steps": [{"event": "buy"}, {"event": "click"}]},
]
COMMON = {"timezone": "America/New_York", "date_from": "2024-03-01", "date_to": "2024-03-31"}


@pytest.fixture(scope="module")
def engines():
    rng = np.random.default_rng(3)
    n = 1500
    frame = pd.DataFrame({
        "user_id": [f"u{i}" for i in rng.integers(0, 80, n)],
        "ts": pd.Timestamp("2024-02-20") + pd.to_timedelta(rng.integers(0, 45 * 86400, n), "s"),
        "event": rng.choice(["view", "click", "buy"], n, p=[0.5, 0.35, 0.15]),
        "os": rng.choice(["ios", "android", "web", None], n),
    })
    duck = ibis.duckdb.connect()
    duck.create_table("events", frame)
    schema = f"applens_insights_{os.getpid()}"
    try:
        admin = ibis.postgres.connect(host="127.0.0.1", user="postgres", database="test")
    except Exception as exc:  # no server here: these tests are opt-in by marker
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    admin.raw_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    pg = ibis.postgres.connect(host="127.0.0.1", user="postgres", database="test", schema=schema)
    pg.create_table("events", frame, overwrite=True)
    yield duck, pg
    pg.disconnect()
    admin.raw_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.disconnect()
    duck.disconnect()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["kind"])
def test_same_numbers_on_postgres(engines, spec):
    duck, pg = engines
    expected = run({**COMMON, **spec}, duck).to_dict()
    got = run({**COMMON, **spec}, pg).to_dict()
    assert _rounded(got) == _rounded(expected)


def _rounded(value):
    """Floats to 9 digits (averages sum in a different order on each engine)."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 9) if isinstance(value, float) else value
