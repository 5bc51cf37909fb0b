"""Recurring retention grids from one bitmask of cohort periods and one of return periods
per user, counted once per distinct pair of masks (the rollup path's ``cells_of``)."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from applens.insights._context import Context

__all__ = ["bitmask_cells"]

_MASK_BITS = 128  # UHUGEINT


def bitmask_cells(ctx: Context, starts: ir.Table, ret: ir.Table, c: int, t: int,
                  cumulative: bool) -> Any:
    """A grid from one bitmask of cohort periods and one of return periods per user,
    counted once per distinct pair of masks (users active on the same days share a row).
    The join instead pairs every start of a user with every return of that user, which at
    100M events was slower than the scan; this is linear in user-days plus
    patterns x cohorts x t bit tests. None when the periods do not fit the mask."""
    if c + t - 1 > _MASK_BITS:
        return None
    bit = "(1::UHUGEINT << {}::UHUGEINT)"
    test = "(({} >> {}::UHUGEINT) & 1::UHUGEINT) = 1::UHUGEINT"
    s_sql = ibis.to_sql(starts.select("user_id", "_c"), dialect="duckdb")
    r_sql = ibis.to_sql(ret.select("user_id", "_p"), dialect="duckdb")
    # cumulative: one row per (pattern, cohort) at the furthest period reached
    returns = ("SELECT c, max(k) AS k, any_value(w) AS w FROM hit GROUP BY sm, rm, c"
               if cumulative else "SELECT c, k, w FROM hit")
    sql = f"""
WITH s AS ({s_sql}), r AS ({r_sql}),
sm AS (SELECT user_id, bit_or({bit.format("_c")}) AS sm FROM s GROUP BY user_id),
rm AS (SELECT user_id, bit_or({bit.format("_p")}) AS rm FROM r
       WHERE _p >= 0 AND _p < {c + t - 1} GROUP BY user_id),
pat AS (SELECT sm, coalesce(rm, 0::UHUGEINT) AS rm, count(*) AS w
        FROM sm LEFT JOIN rm USING (user_id) GROUP BY ALL),
g AS (SELECT sm, rm, w, c FROM (SELECT sm, rm, w, unnest(range(0, {c})) AS c FROM pat)
      WHERE {test.format("sm", "c")}),
hit AS (SELECT sm, rm, w, c, k FROM (SELECT sm, rm, w, c, unnest(range(1, {t})) AS k FROM g)
        WHERE {test.format("rm", "(c + k)")})
SELECT c::BIGINT AS _c, 0::BIGINT AS _k, sum(w)::BIGINT AS _n FROM g GROUP BY 1
UNION ALL
SELECT c::BIGINT, k::BIGINT, sum(w)::BIGINT FROM ({returns}) GROUP BY 1, 2"""
    return ctx.backend.con.execute(sql).fetch_df()
