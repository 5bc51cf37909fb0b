"""The Ibis assignment expression reproduces the documented Python hash exactly."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from applens.errors import InvalidParameterError
from applens.experiments import assign_group, bucket_of
from applens.experiments.sql import assign_group_expr, bucket_expr


def test_documented_hash_vector():
    # int("0cc175b9", 16) = 214005177 for md5("a") -> here md5("s:a").
    import hashlib
    assert bucket_of("a", "s") == int(hashlib.md5(b"s:a").hexdigest()[:8], 16) % 10_000


@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.1, 0.3, 0.6), (0.95, 0.05)])
def test_ibis_on_duckdb_equals_python(weights):
    ids = [f"user-{i}" for i in range(3000)] + [str(i) for i in range(2000)] + ["Ünïcode", ""]
    con = ibis.duckdb.connect()
    t = con.create_table("u", pd.DataFrame({"user_id": ids}))
    names = [f"g{i}" for i in range(len(weights))]
    out = con.execute(
        t.select("user_id", bucket=bucket_expr(t.user_id, "exp-7"),
                 group=assign_group_expr(t.user_id, "exp-7", weights, names),
                 index=assign_group_expr(t.user_id, "exp-7", weights))
    )
    assert out.bucket.tolist() == [bucket_of(u, "exp-7") for u in out.user_id]
    assert out.group.tolist() == [names[assign_group(u, "exp-7", weights)] for u in out.user_id]
    assert out["index"].tolist() == [assign_group(u, "exp-7", weights) for u in out.user_id]


def test_integer_ids_hash_like_their_string():
    con = ibis.duckdb.connect()
    t = con.create_table("v", pd.DataFrame({"user_id": list(range(1500))}))
    out = con.execute(t.select("user_id", b=bucket_expr(t.user_id, "s")))
    assert out.b.tolist() == [bucket_of(u, "s") for u in out.user_id]


def test_names_must_match_weights():
    t = ibis.table({"user_id": "string"}, name="t")
    with pytest.raises(InvalidParameterError):
        assign_group_expr(t.user_id, "s", (0.5, 0.5), ["only-one"])
