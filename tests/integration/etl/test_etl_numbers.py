"""The ETL table holds the insight engine's numbers, for every metric and dimension of the
demo, on the DuckDB warehouse, a real PostgreSQL and a real MariaDB.

The expected numbers come from specs written out here by hand (not from the job's own
spec builder), and two of them are checked once more against plain DuckDB SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from applens import etl
from applens.insights import query
from applens.workspace import Workspace
from tests.integration.etl.conftest import DAY, MY_URL, PG_URL, job_toml, my_rows, pg_rows

SPECS = {
    "dau": {"series": [{"math": "dau"}]},
    "events": {"series": [{}]},
    "count:view": {"series": [{"event": "view"}]},
    "count:like": {"series": [{"event": "like"}]},
    "ratio:like/view": {"series": [{"event": "like"}, {"event": "view"}], "formula": "A / B"},
    "count:message": {"series": [{"event": "message"}]},
    "users:message": {"series": [{"event": "message", "math": "dau"}]},
    "sum:value": {"series": [{"math": "sum", "math_property": "value"}]},
    "likes_per_liker": {"series": [{"event": "like"}, {"event": "like", "math": "dau"}],
                        "formula": "A / B"},
}
BREAKDOWNS = {
    "os": {"property": "os"}, "app_version": {"property": "app_version"},
    "source": {"property": "source"}, "country": {"property": "country"},
    "person.gender": {"type": "person", "property": "gender"},
    "age_band": {"type": "person", "property": "age", "bins": [18, 25, 35, 45]},
}
SELECT = ("SELECT date, hour, job, metric, dimension, dimension_value, metric_value "
          "FROM {table} ORDER BY 1, 2, 4, 5, 6")


_SEEN: dict[tuple, dict] = {}  # every test copies the same demo data: ask the engine once


def expected(ws: Workspace, metric: str, dim: str | None, day: dt.date, grain: str = "day"
             ) -> dict[tuple[str, int | None], float | None]:
    """(value, hour) -> number, straight from the insight engine."""
    key = (metric, dim, day, grain)
    if key not in _SEEN:
        _SEEN[key] = _expected(ws, metric, dim, day, grain)
    return _SEEN[key]


def _expected(ws: Workspace, metric: str, dim: str | None, day: dt.date, grain: str
              ) -> dict[tuple[str, int | None], float | None]:
    spec = {"kind": "trends", **SPECS[metric], "date_from": str(day),
            "date_to": f"{day}T23:00:00" if grain == "hour" else str(day), "interval": grain}
    key = "formula" if "formula" in spec else "A"
    if dim is None:
        result = query(spec, ws)
        blocks, periods = {"all": result.to_dict()}, result["periods"]
    else:
        result = query({**spec, "breakdown": BREAKDOWNS[dim], "breakdown_limit": 10_000}, ws)
        blocks, periods = result["by_breakdown"], result["periods"]
    out = {}
    for label, block in blocks.items():
        for period, value in zip(periods, block[key], strict=True):
            hour = dt.datetime.fromisoformat(period).hour if grain == "hour" else None
            out[(label, hour)] = value
    return out


def check_table(ws: Workspace, rows: list[tuple], job: str, day: dt.date, grain: str = "day",
                metrics: tuple[str, ...] = tuple(SPECS),
                dims: tuple[str, ...] = tuple(BREAKDOWNS)) -> None:
    got: dict[tuple[str, str], dict] = defaultdict(dict)
    for date, hour, name, metric, dim, value, number in rows:
        assert str(date)[:10] == str(day) and name == job
        got[(metric, dim)][(value, None if hour is None else int(hour))] = number
    assert set(got) == {(m, d) for m in metrics for d in ("all", *dims)}
    for metric in metrics:
        for dim in ("all", *dims):
            want = expected(ws, metric, None if dim == "all" else dim, day, grain)
            assert set(got[(metric, dim)]) == set(want), (metric, dim)
            for key, value in want.items():
                table_value = got[(metric, dim)][key]
                if value is None:
                    assert table_value is None, (metric, dim, key)
                else:
                    assert table_value == pytest.approx(value, rel=1e-12), (metric, dim, key)


def test_warehouse_table_equals_the_insight_engine_for_every_metric_and_dimension(demo_ws):
    folder, declare = demo_ws
    declare(job_toml("daily", extra="wide_view = true"))
    with Workspace(folder) as ws:
        done = etl.run_date(ws, "daily", DAY)
        rows = ws.connection.execute(SELECT.format(table="etl_daily")).fetchall()
        assert done.rows == len(rows) > 200
        check_table(ws, rows, "daily", DAY)
        # Plain SQL agrees too: DAU by os, and likes per view by person gender.
        sql_dau = dict(ws.connection.execute(
            "SELECT os, count(DISTINCT user_id) FROM events WHERE ts >= ? AND ts < ? "
            "GROUP BY os", [DAY, DAY + dt.timedelta(days=1)]).fetchall())
        table_dau = {v: n for _, _, _, m, d, v, n in rows if m == "dau" and d == "os"}
        assert table_dau == {k: float(v) for k, v in sql_dau.items()}
        sql_ctr = dict(ws.connection.execute(
            "SELECT u.gender, count(*) FILTER (e.event = 'like') / "
            "count(*) FILTER (e.event = 'view') FROM events e JOIN users u USING (user_id) "
            "WHERE e.ts >= ? AND e.ts < ? GROUP BY 1", [DAY, DAY + dt.timedelta(days=1)]
        ).fetchall())
        table_ctr = {v: n for _, _, _, m, d, v, n in rows
                     if m == "ratio:like/view" and d == "person.gender"}
        assert table_ctr == pytest.approx(sql_ctr, rel=1e-12)
        # The wide view: one column per metric, the same numbers.
        wide = ws.connection.execute(
            'SELECT dau, "ratio:like/view" FROM etl_daily_wide '
            "WHERE dimension = 'os' AND dimension_value = 'Android'").fetchall()
        long = {m: n for _, _, _, m, d, v, n in rows if d == "os" and v == "Android"}
        assert wide == [(long["dau"], long["ratio:like/view"])]


def test_hourly_grain_matches_the_hourly_insight(demo_ws):
    folder, declare = demo_ws
    declare(job_toml("hourly", grain="hour", metrics='["dau", "ratio:like/view"]',
                     dims='["os"]'))
    with Workspace(folder) as ws:
        etl.run_date(ws, "hourly", DAY)
        rows = ws.connection.execute(SELECT.format(table="etl_hourly")).fetchall()
        assert {r[1] for r in rows} == set(range(24))
        check_table(ws, rows, "hourly", DAY, "hour", ("dau", "ratio:like/view"), ("os",))


@pytest.mark.db
def test_postgresql_table_equals_the_insight_engine(demo_ws, pg_clean):
    folder, declare = demo_ws
    declare(job_toml("daily", PG_URL, table=pg_clean, extra="wide_view = true"))
    with Workspace(folder) as ws:
        etl.run_date(ws, "daily", DAY)
        etl.run_date(ws, "daily", DAY)  # a rerun replaces, never duplicates
        rows = pg_rows(SELECT.format(table=pg_clean))
        check_table(ws, rows, "daily", DAY)
    assert pg_rows(f"SELECT count(*) FROM {pg_clean}_runs") == [(1,)]
    assert pg_rows(f"SELECT count(*) FROM {pg_clean}_wide WHERE dimension = 'all'") == [(1,)]


@pytest.mark.db
def test_mariadb_table_equals_the_insight_engine(demo_ws, my_clean):
    folder, declare = demo_ws
    declare(job_toml("daily", MY_URL, table=my_clean, extra="wide_view = true"))
    with Workspace(folder) as ws:
        etl.run_date(ws, "daily", DAY)
        etl.run_date(ws, "daily", DAY)
        rows = my_rows(SELECT.format(table=my_clean))
        check_table(ws, rows, "daily", DAY)
    assert my_rows(f"SELECT count(*) FROM {my_clean}_runs") == [(1,)]
    assert my_rows(f"SELECT dau FROM {my_clean}_wide WHERE dimension = 'all'") == [
        (next(r[6] for r in rows if r[3] == "dau" and r[4] == "all"),)]
