"""The demo's files: layout, schema, determinism, formats, parameter checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from applens.demo import GroundTruth, generate
from applens.errors import InvalidParameterError
from applens.schema import table_spec

REQUIRED = {
    "bots": {"user_ids", "ips"},
    "churned_user_ids": None,
    "buggy_app_version": None,
    "outage": {"start", "end", "os", "app_version"},
    "campaign": {"date", "source", "user_ids"},
    "experiment": {"salt", "groups", "treatment", "control", "aa_groups", "metric",
                   "true_effect"},
}


def test_ground_truth_json_has_every_required_key(demo: tuple[Path, GroundTruth]) -> None:
    out, truth = demo
    raw = json.loads((out / "ground_truth.json").read_text())
    for key, inner in REQUIRED.items():
        assert key in raw
        if inner:
            assert inner <= set(raw[key]), key
    assert raw == truth.to_dict()
    assert GroundTruth.read(out / "ground_truth.json") == truth
    for moment in (truth.outage.start, truth.outage.end, truth.experiment.start):
        assert dt.datetime.fromisoformat(moment).utcoffset() == dt.timedelta(0)


def test_events_have_only_canonical_columns(demo: tuple[Path, GroundTruth]) -> None:
    out, truth = demo
    schema = pq.read_schema(out / "events.parquet")
    assert set(schema.names) <= set(table_spec("events").names)
    assert {"ts", "user_id", "event", "session_id", "receiver_id", "ip"} <= set(schema.names)
    assert schema.field("ts").type.tz is None  # naive UTC
    assert pq.ParquetFile(out / "events.parquet").metadata.num_rows == truth.data.events
    users = pacsv.read_csv(out / "users.csv")
    assert users.column_names == [
        "user_id", "created_at", "gender", "age", "country", "city", "os", "source"]
    assert users.num_rows == truth.data.users == 5_000
    assert 500_000 <= truth.data.events <= 1_500_000


def test_events_stay_inside_the_data_range(con: duckdb.DuckDBPyConnection,
                                           demo: tuple[Path, GroundTruth]) -> None:
    _, truth = demo
    lo, hi = con.execute("select min(ts), max(ts) from events").fetchone()
    assert lo >= dt.datetime.fromisoformat(truth.data.start).replace(tzinfo=None)
    assert hi < dt.datetime(2026, 11, 1)
    kinds = {r[0] for r in con.execute("select distinct event from events").fetchall()}
    assert kinds == {"app_open", "view", "like", "message", "crash"}
    # Only messages carry a receiver, and nobody messages themselves.
    bad = con.execute("""select count(*) from events where (event = 'message') != (receiver_id
                     is not null) or receiver_id = user_id""").fetchone()[0]
    assert bad == 0


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", users=300, days=21, seed=3)
    b = generate(tmp_path / "b", users=300, days=21, seed=3)
    c = generate(tmp_path / "c", users=300, days=21, seed=4)
    assert a == b
    for name in ("events.parquet", "users.csv", "ground_truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert pq.read_table(tmp_path / "a" / "events.parquet") != pq.read_table(
        tmp_path / "c" / "events.parquet")
    assert a.experiment.salt != c.experiment.salt


def test_csv_format_streams_the_same_events(tmp_path: Path) -> None:
    truth = generate(tmp_path / "p", users=300, days=21, seed=5)
    csv_truth = generate(tmp_path / "c", users=300, days=21, seed=5, events_format="csv")
    assert csv_truth.data.events_file == "events.csv"
    assert not (tmp_path / "c" / "events.parquet").exists()
    table = pacsv.read_csv(tmp_path / "c" / "events.csv")
    parquet = pq.read_table(tmp_path / "p" / "events.parquet")
    assert table.num_rows == parquet.num_rows == truth.data.events
    assert table.column_names == parquet.column_names
    assert table["user_id"].to_pylist() == parquet["user_id"].to_pylist()
    assert table["ts"].cast(parquet["ts"].type).equals(parquet["ts"])


def test_end_date_moves_the_range(tmp_path: Path) -> None:
    truth = generate(tmp_path, users=300, days=21, seed=1, end_date=dt.date(2024, 6, 30))
    assert truth.data.start == "2024-06-09T00:00:00Z"
    assert truth.data.end == "2024-06-30T00:00:00Z"
    ts = pq.read_table(tmp_path / "events.parquet", columns=["ts"])["ts"]
    assert ts.to_pylist()[-1] < dt.datetime(2024, 6, 30)


@pytest.mark.parametrize("kwargs", [
    {"users": 10}, {"days": 5}, {"seed": -1}, {"events_format": "xlsx"},
    {"end_date": "2026-01-01"}, {"chunk_users": 0},
])
def test_bad_parameters_are_rejected(tmp_path: Path, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError):
        generate(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "events.parquet").exists()
