from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ibis
import pandas as pd
import pytest


@pytest.fixture
def make_con() -> Callable[..., Any]:
    """An in-memory DuckDB with ``events`` (user_id, ts, event, [props]) and maybe ``users``."""

    def build(rows: Sequence[tuple[Any, ...]], columns: Sequence[str] = ("user_id", "ts", "event"),
              users: pd.DataFrame | None = None) -> Any:
        con = ibis.duckdb.connect()
        frame = pd.DataFrame(list(rows), columns=list(columns))
        frame["ts"] = pd.to_datetime(frame["ts"])
        con.create_table("events", frame)
        if users is not None:
            con.create_table("users", users)
        return con

    return build
