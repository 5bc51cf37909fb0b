"""The same insight specs on DuckDB, ClickHouse SQL (run by chDB) and PySpark local.

Every kind and its main options run on all three engines over one random log (Berlin
time, a DST change inside the range, person properties, a numeric property); each engine
must give exactly DuckDB's answer (float conversion times to 1e-9). DuckDB's numbers
themselves are pinned by the hand-computed tests in ``tests/unit/insights``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from applens.engines import open_engine
from applens.insights import query, run

TZ = "Europe/Berlin"  # DST starts 2024-03-31
RANGE = {"timezone": TZ, "date_from": "2024-03-25", "date_to": "2024-04-08"}
FUNNEL = [{"event": "view"}, {"event": "click"}, {"event": "buy"}]

SPECS: dict[str, dict[str, Any]] = {
    "active_users": {"kind": "active_users",
                     "math": ["total", "dau", "wau", "mau", "per_user_avg"], **RANGE},
    "active_users_breakdown_other": {
        "kind": "active_users", "math": ["dau", "wau"], "breakdown": {"property": "os"},
        "breakdown_limit": 2, **RANGE},
    "active_users_weekly_monday_person_filter": {
        "kind": "active_users", "math": ["dau", "total"], "interval": "week",
        "week_start": "monday", **RANGE,
        "properties": [{"key": "country", "type": "person", "operator": "is_not",
                        "value": ["DE"]}]},
    "active_users_hourly": {"kind": "active_users", "math": ["total", "dau"],
                            "interval": "hour", "timezone": TZ,
                            "date_from": "2024-03-31T00:00", "date_to": "2024-03-31T06:00"},
    "trends_ctr_formula_gender": {
        "kind": "trends", "series": [{"event": "click"}, {"event": "view"}],
        "formula": "A / B", "breakdown": {"type": "person", "property": "gender"}, **RANGE},
    "trends_events_per_user_and_sum": {
        "kind": "trends", "series": [{"event": "buy", "math": "sum", "math_property": "amount"},
                                     {"event": None, "math": "per_user_avg"},
                                     {"event": None, "math": "dau",
                                      "properties": [{"key": "os", "operator": "icontains",
                                                      "value": "IO"}]}],
        "formula": "A / C", **RANGE},
    "stickiness": {"kind": "stickiness", **RANGE},
    "stickiness_criteria_cumulative": {
        "kind": "stickiness", "criteria": {"operator": "gte", "value": 2}, "cumulative": True,
        "breakdown": {"property": "os"}, **RANGE},
    "lifecycle_daily": {"kind": "lifecycle", "event": "view", **RANGE},
    "lifecycle_weekly": {"kind": "lifecycle", "interval": "week", **RANGE},
    "retention_recurring": {"kind": "retention", "total_intervals": 6, **RANGE},
    "retention_first_time_cumulative": {
        "kind": "retention", "retention_type": "first_time", "cumulative": True,
        "total_intervals": 5, "target": {"event": "view"}, "returning": {"event": "click"},
        **RANGE},
    "retention_weekly_breakdown_min_occurrences": {
        "kind": "retention", "interval": "week", "total_intervals": 3,
        "minimum_occurrences": 2, "breakdown": {"property": "os"}, **RANGE},
    "retention_24h_windows": {"kind": "retention", "total_intervals": 5,
                              "time_window_mode": "24_hour_windows", **RANGE},
    "funnel_window_exclusion": {
        "kind": "funnel", "steps": FUNNEL, "conversion_window": {"value": 1, "unit": "day"},
        "exclusions": [{"event": "signup", "from_step": 0, "to_step": 1}], **RANGE},
    "funnel_strict": {"kind": "funnel", "steps": FUNNEL[:2], "order": "strict", **RANGE},
    "funnel_unordered": {"kind": "funnel", "steps": FUNNEL, "order": "unordered",
                         "conversion_window": {"value": 6, "unit": "hour"}, **RANGE},
    "funnel_breakdown_last_touch": {
        "kind": "funnel", "steps": FUNNEL, "breakdown": {"property": "os"},
        "breakdown_attribution": "last_touch", **RANGE},
    "funnel_all_steps_step_filter": {
        "kind": "funnel",
        "steps": [{"event": "view"},
                  {"event": "buy", "properties": [{"key": "amount", "operator": "gt",
                                                   "value": 20}]}],
        "breakdown": {"type": "person", "property": "age_group"},
        "breakdown_attribution": "all_steps", **RANGE},
}


def _log() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(11)
    n, users = 900, 70
    start = pd.Timestamp("2024-03-18")
    ts = start + pd.to_timedelta(rng.integers(0, 26 * 86400, n), unit="s")
    events = pd.DataFrame({
        "user_id": [f"u{i}" for i in rng.integers(0, users, n)],
        "ts": ts.as_unit("us"),
        "event": rng.choice(["view", "click", "buy", "signup"], n, p=[0.45, 0.3, 0.15, 0.1]),
        "os": rng.choice(["ios", "android", "web", None], n, p=[0.4, 0.3, 0.2, 0.1]),
        "amount": rng.integers(1, 50, n).astype("float64"),
    }).sort_values("ts", ignore_index=True)
    people = pd.DataFrame({
        "user_id": [f"u{i}" for i in range(users)],
        "gender": rng.choice(["f", "m", "x"], users),
        "age_group": rng.choice(["18-24", "25-34", "35+"], users),
        "country": rng.choice(["DE", "FR", "US"], users),
        "created_at": (start + pd.to_timedelta(rng.integers(-10 * 86400, 20 * 86400, users),
                                               unit="s")).as_unit("us"),
    })
    return events, people


@pytest.fixture(scope="session")
def tables() -> dict[str, pd.DataFrame]:
    events, people = _log()
    return {"events": events, "users": people}


@pytest.fixture(scope="session")
def expected(tables) -> dict[str, dict[str, Any]]:
    con = open_engine("duckdb", tables)
    return {name: run(spec, con).to_dict() for name, spec in SPECS.items()}


@pytest.fixture(scope="session")
def rollup_backend(tables):
    """DuckDB with Berlin rollups beside the tables: the planner reads them when exact."""
    from applens.insights import rollups

    backend = open_engine("duckdb", tables)
    rollups.rebuild(backend.con, timezone=TZ, properties=["os"])
    return backend


@pytest.fixture(scope="session")
def chdb_backend(tables):
    pytest.importorskip("chdb", reason="needs the 'clickhouse' extra")
    backend = open_engine("chdb", tables)
    yield backend
    backend.disconnect()


@pytest.fixture(scope="session")
def spark_backend(tables):
    pytest.importorskip("pyspark", reason="needs the 'spark' extra")
    return open_engine("spark", tables)  # one local session for the whole test run


def _same(got: Any, want: Any, where: str = "") -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for key in want:
            _same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(got, int | type(None)):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (where, got, want)
    else:
        assert got == want and type(got) is type(want), (where, got, want)


def test_specs_cover_every_kind():
    assert {spec["kind"] for spec in SPECS.values()} == {
        "active_users", "trends", "stickiness", "lifecycle", "retention", "funnel"}


def test_duckdb_answers_are_not_trivial(expected):
    assert sum(expected["active_users"]["dau"]) > 100
    assert expected["funnel_window_exclusion"]["step_counts"][2] > 0
    assert "Other" in expected["active_users_breakdown_other"]["by_breakdown"]
    assert any(expected["lifecycle_weekly"]["dormant"])
    assert expected["retention_24h_windows"] != expected["retention_recurring"]


ROLLUP_ANSWERS = {"active_users", "stickiness", "lifecycle_daily", "lifecycle_weekly",
                  "retention_recurring", "retention_first_time_cumulative"}


@pytest.mark.parametrize("name", list(SPECS))
def test_rollup_path_equals_duckdb_scan(name, rollup_backend, expected):
    result = run(SPECS[name], rollup_backend)
    assert result.plan["path"] == ("rollup" if name in ROLLUP_ANSWERS else "scan"), result.plan
    _same(result.to_dict(), expected[name], name)


@pytest.mark.parametrize("name", list(SPECS))
def test_chdb_equals_duckdb(name, chdb_backend, expected):
    _same(run(SPECS[name], chdb_backend).to_dict(), expected[name], name)


@pytest.mark.parametrize("name", list(SPECS))
def test_spark_equals_duckdb(name, spark_backend, expected):
    _same(run(SPECS[name], spark_backend).to_dict(), expected[name], name)


def test_query_loads_tables_into_the_engine(tables, expected, chdb_backend):
    spec = SPECS["funnel_window_exclusion"]
    assert query(spec, tables, engine="chdb").to_dict() == expected["funnel_window_exclusion"]
    assert query(spec, tables).to_dict() == expected["funnel_window_exclusion"]


def test_clickhouse_sql_counts_distinct_exactly():
    pytest.importorskip("chdb", reason="needs the 'clickhouse' extra")
    import ibis

    from applens.engines.clickhouse import connect_chdb

    t = ibis.table({"user_id": "string"}, name="events")
    backend = connect_chdb()
    try:
        sql = backend.compile(t.user_id.nunique())
        assert "uniqExact" in sql and "uniq(" not in sql
        rows = pd.DataFrame({"user_id": [f"u{i}" for i in range(200_000)]})
        backend.load("events", rows)
        assert backend.table("events").user_id.nunique().to_pandas() == 200_000
    finally:
        backend.disconnect()


def test_clickhouse_left_join_gives_nulls():
    """Without join_use_nulls, an unmatched DateTime column reads 1970-01-01, not NULL."""
    pytest.importorskip("chdb", reason="needs the 'clickhouse' extra")
    from applens.engines.clickhouse import connect_chdb

    backend = connect_chdb()
    try:
        backend.load("a", pd.DataFrame({"k": [1, 2]}))
        backend.load("b", pd.DataFrame({"k2": [1], "t": pd.to_datetime(["2024-01-01"])}))
        a, b = backend.table("a"), backend.table("b")
        out = a.left_join(b, a.k == b.k2).order_by("k").to_pandas()
        assert out["t"].isna().tolist() == [False, True]
    finally:
        backend.disconnect()
