from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ibis
import pandas as pd
import pytest


@pytest.fixture(params=["scan", "rollup"])
def make_con(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """An in-memory DuckDB with ``events`` (user_id, ts, event, [props]) and maybe ``users``.

    Every test runs twice: on the events alone (a scan), and with UTC rollups built beside
    them, so each spec the rollups answer exactly is answered from them (insights._rollups).
    """

    def build(rows: Sequence[tuple[Any, ...]], columns: Sequence[str] = ("user_id", "ts", "event"),
              users: pd.DataFrame | None = None) -> Any:
        con = ibis.duckdb.connect()
        frame = pd.DataFrame(list(rows), columns=list(columns))
        frame["ts"] = pd.to_datetime(frame["ts"])
        con.create_table("events", frame)
        if users is not None:
            con.create_table("users", users)
        if request.param == "rollup":
            from applens.insights import rollups

            props = [c for c in columns if c not in ("user_id", "ts", "event")]
            rollups.rebuild(con.con, timezone="UTC", properties=props)
        return con

    return build
