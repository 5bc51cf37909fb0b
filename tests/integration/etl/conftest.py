"""A small demo workspace (feed + messenger, person gender and age) with ETL jobs declared."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import psycopg
import pymysql
import pytest

from applens.demo import generate
from applens.ingest import ingest
from applens.workspace import Workspace

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MY_URL = "mysql://root@127.0.0.1:3306/test"
DAY = dt.date(2026, 11, 20)
END = dt.date(2026, 11, 22)  # the demo's last day is END - 1

# Every metric shape the job grammar takes: explain shorthands, a property metric and a table.
# An inline table must stay on one line (TOML 1.0).
METRICS = """["dau", "events", "count:view", "count:like", "ratio:like/view", "count:message",
  "users:message", "sum:value",
  {name = "likes_per_liker", formula = "A / B", \
series = [{event = "like"}, {event = "like", math = "dau"}]}]"""
DIMS = """["os", "app_version", "source", "country", "person.gender",
  {name = "age_band", property = "person.age", bins = [18, 25, 35, 45]}]"""


def job_toml(name: str, target: str = "warehouse", *, table: str | None = None,
             grain: str = "day", metrics: str = METRICS, dims: str = DIMS,
             extra: str = "") -> str:
    lines = [f"[etl.{name}]", f"metrics = {metrics}", f"dims = {dims}", f'grain = "{grain}"',
             f'target = "{target}"']
    if table:
        lines.append(f'table = "{table}"')
    return "\n".join(lines) + "\n" + extra + "\n"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's files, generated once (200 users, 21 days)."""
    folder = tmp_path_factory.mktemp("etl-demo")
    generate(folder / "data", users=200, days=21, seed=3, end_date=END)
    ws = Workspace.init(folder / "ws")
    try:
        ingest(ws, folder / "data" / "events.parquet")
        ingest(ws, folder / "data" / "users.csv", table="users")
    finally:
        ws.close()
    return folder / "ws"


@pytest.fixture
def demo_ws(demo_data: Path, tmp_path: Path):
    """A private copy of the demo workspace: (folder, append_toml) for the test to declare
    jobs in; open it with Workspace(folder) after declaring."""
    folder = tmp_path / "ws"
    shutil.copytree(demo_data, folder)

    def declare(text: str) -> None:
        with (folder / "applens.toml").open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)

    return folder, declare


@pytest.fixture
def table_name() -> str:
    return f"etl_t_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def pg_clean(table_name: str):
    """Drops the test's tables and view from PostgreSQL afterwards."""
    yield table_name
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for name in (f"{table_name}_wide",):
            conn.execute(f"DROP VIEW IF EXISTS {name}")
        for name in (table_name, f"{table_name}_runs"):
            conn.execute(f"DROP TABLE IF EXISTS {name} CASCADE")


@pytest.fixture
def my_clean(table_name: str):
    yield table_name
    conn = pymysql.connect(host="127.0.0.1", user="root", database="test", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"DROP VIEW IF EXISTS {table_name}_wide")
        for name in (table_name, f"{table_name}_runs"):
            cur.execute(f"DROP TABLE IF EXISTS {name}")
    conn.close()


def pg_rows(sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(PG_URL) as conn:
        return conn.execute(sql, params).fetchall()


def my_rows(sql: str, params: tuple = ()) -> list[tuple]:
    conn = pymysql.connect(host="127.0.0.1", user="root", database="test")
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())
    finally:
        conn.close()
