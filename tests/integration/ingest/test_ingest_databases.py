"""Ingesting tables and queries from the real PostgreSQL and MariaDB servers on this machine."""

import uuid
from datetime import datetime

import psycopg
import pymysql
import pytest

from applens.errors import SourceError
from applens.ingest import ingest

pytestmark = pytest.mark.db

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MY_URL = "mysql://root@127.0.0.1:3306/test"
ROWS = [
    ("2024-06-01 10:00:00", "u1", "view", "ios", 1.5),
    ("2024-06-01 10:05:00", "u1", "like", "ios", None),
    ("2024-06-02 09:00:00", "u2", "view", "android", 3.0),
    ("2024-06-02 09:00:00", "", "view", "android", 3.0),  # empty user id: rejected
]


@pytest.fixture
def pg_table():
    name = f"applens_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {name} (created timestamp, uid text, action text, "
                     "os text, amount double precision)")
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {name} VALUES (%s, %s, %s, %s, %s)", ROWS)
    yield name
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def mysql_table():
    name = f"applens_test_{uuid.uuid4().hex[:8]}"
    conn = pymysql.connect(host="127.0.0.1", user="root", database="test", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (ts DATETIME, user_id VARCHAR(20), event VARCHAR(20), "
                    "os VARCHAR(20), amount DOUBLE)")
        cur.executemany(f"INSERT INTO {name} VALUES (%s, %s, %s, %s, %s)", ROWS)
    yield name
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
    conn.close()


def test_postgres_table_with_mapping_and_rejects(workspace, pg_table):
    summary = ingest(workspace, PG_URL, db_table=pg_table,
                               mapping={"ts": "created", "user_id": "uid", "event": "action"},
                               max_rejects="100%")
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (4, 3, 1)
    got = workspace.connection.execute(
        "SELECT ts, user_id, event, amount FROM events ORDER BY ts, event").fetchall()
    assert got[0] == (datetime(2024, 6, 1, 10), "u1", "view", 1.5)
    assert workspace.connection.execute('SELECT line, "column" FROM rejects').fetchall() == [
        (4, "user_id")]


def test_postgres_query_and_idempotence(workspace, pg_table):
    query = f"SELECT created AS ts, uid AS user_id, action AS event FROM {pg_table} WHERE uid <> ''"
    first = ingest(workspace, PG_URL, query=query)
    again = ingest(workspace, PG_URL, query=query)
    assert first.rows_loaded == 3 and again.skipped_as_duplicate_of == first.ingest_id
    assert workspace.connection.execute("SELECT count(*) FROM events").fetchone() == (3,)


def test_mariadb_table(workspace, mysql_table):
    summary = ingest(workspace, MY_URL, db_table=mysql_table, max_rejects="100%")
    assert (summary.rows_loaded, summary.rows_rejected) == (3, 1)
    assert workspace.connection.execute(
        "SELECT user_id, os FROM events ORDER BY ts LIMIT 1").fetchone() == ("u1", "ios")


def test_database_errors_are_clear(workspace):
    with pytest.raises(SourceError, match="Cannot connect to postgresql://postgres@127.0.0.1:1/"):
        ingest(workspace, "postgresql://postgres@127.0.0.1:1/test", db_table="x")
    with pytest.raises(SourceError, match="no_such_table"):
        ingest(workspace, PG_URL, db_table="no_such_table")
    with pytest.raises(SourceError, match="no_such_table"):
        ingest(workspace, MY_URL, db_table="no_such_table")
    with pytest.raises(SourceError, match="exactly one"):
        ingest(workspace, PG_URL)
