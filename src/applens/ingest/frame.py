"""Small user files (one row per user, per day, per slot) straight into pandas.

For commands that analyse a file without a workspace (``ab analyze --data``, ``anomalies
score``). The file is read by the one reader every path shares (``applens.engines.files``):
the same format, dialect and encoding detection as ``applens ingest``, so a file that ingests
also reads here, and a line ingest would reject is refused here, naming it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from applens._sql import ident
from applens.engines.files import opened
from applens.ingest.validate import infer_property_types

__all__ = ["read_frame"]


def read_frame(path: str | Path) -> pd.DataFrame:
    """The file as a DataFrame; text columns whose every value is an integer, a number or a
    boolean become one (as ``applens ingest`` types properties)."""
    with opened(Path(path)) as (con, relation):
        con.execute(f"CREATE TEMP TABLE _frame AS SELECT * FROM {relation}")
        kinds = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE _frame)"
                                 ).fetchall())
        text = [name for name, kind in kinds.items() if kind == "VARCHAR"]
        types = infer_property_types(con, "_frame", text)
        columns = [f"TRY_CAST(NULLIF(trim({ident(n)}), '') AS {types[n]}) AS {ident(n)}"
                   if types.get(n, "VARCHAR") != "VARCHAR" else ident(n) for n in kinds]
        return con.execute(f"SELECT {', '.join(columns)} FROM _frame").df()
