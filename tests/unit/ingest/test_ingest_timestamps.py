"""The plain-timestamp shortcut gives exactly what the general timestamp parse gives."""

import random

import duckdb
import pytest

from applens.ingest.validate import BLANK, RAW, _timestamp, plan_column
from applens.schema import table_spec

BASES = ["2024-01-01 10:00:00", "2024-1-5 1:2:3", "1999-12-31 23:59:59", "2024-02-29 00:00:00",
         "2024-03-31 02:30:00", "2024-10-27 02:30:00"]
ODD = ["2024-01-01 10:00:0\t", "\t2024-01-01 10:00:00", " 2024-01-01 10:00:00 ",
       "2024-01-01\t10:00:00", "2024-01-01 10:00:00+03:00", "2024-01-01 10:00:00Z",
       "2024-01-01T10:00:00", "2024-02-30 10:00:00", "2024-01-01 24:00:00", "1700000000",
       "1700000000123", "", " ", None, "02024-01-01 10:00:00",
       # 19 characters ending in whitespace strptime skips and the general path refuses
       *(f"2024-01-01 10:00:0{c}" for c in "\n\x0b\x0c\r"), "2024-01-01 10:00:0 "]


def mutations(count, seed=0):
    """Timestamps with one to three characters inserted, replaced or deleted."""
    rng = random.Random(seed)
    alphabet = " \t\n\r\x0b\x0c0123456789-:T.Z+/aA\u00a0"
    out = set()
    for _ in range(count):
        text = list(rng.choice(BASES))
        for _ in range(rng.randint(1, 3)):
            at, char = rng.randint(0, len(text)), rng.choice(alphabet)
            op = rng.random()
            if op < 0.4:
                text.insert(at, char)
            elif at < len(text):
                if op < 0.7:
                    text[at] = char
                else:
                    del text[at]
        out.add("".join(text))
    return sorted(out)


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Berlin"])
def test_the_shortcut_never_changes_a_parsed_timestamp(timezone):
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{timezone}'")  # as ingest sets it
    values = BASES + ODD + mutations(20_000)
    con.execute("CREATE TABLE t (raw VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    column = table_spec("events").column("ts")
    plan = plan_column(column, "raw", timezone=timezone, latest="2030-01-01 00:00:00")
    assert "try_strptime" in plan.parsed  # the shortcut is in use
    general = f"CASE WHEN {BLANK} THEN NULL ELSE {_timestamp(timezone, None)} END"
    fast, slow = (sql.replace(RAW, "raw") for sql in (plan.parsed, general))
    differ = con.execute(f"SELECT raw, {fast}, {slow} FROM t WHERE ({fast}) IS DISTINCT FROM "
                         f"({slow})").fetchall()
    assert differ == []
    parsed = con.execute(f"SELECT count({fast}) FROM t").fetchall()[0][0]
    assert 100 < parsed < len(values)  # both accepted and refused values were tried
