"""Property metrics (``AGG:EXPR``) are one grammar for trends and monitors (issue 17.4/20.8)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from applens.errors import ConfigError, QueryError
from applens.ingest import ingest
from applens.insights import parse_spec, query
from applens.monitor.config import load_monitors
from applens.monitor.slices import metric_slices

ORDERS = """ts,user_id,event,Quantity,Price,converted
2026-10-01 10:05:00,u1,purchase,2,1.5,1
2026-10-01 10:20:00,u1,purchase,-1,1.5,0
2026-10-01 10:40:00,u2,purchase,3,4.0,0
2026-10-01 11:10:00,u2,purchase,1,10.0,1
2026-10-01 11:30:00,u3,purchase,5,0.5,1
"""


@pytest.fixture
def orders(workspace, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS)
    ingest(workspace, path)
    return workspace, pd.read_csv(path, parse_dates=["ts"])


def test_monitor_metric_sums_an_expression_per_slice(orders):
    ws, frame = orders
    cfg = load_monitors({"revenue": {"metric": "sum:Quantity * Price", "slice": "1h"}})["revenue"]
    got = metric_slices(ws, cfg, datetime(2026, 10, 1, 10), datetime(2026, 10, 1, 12))
    frame["revenue"] = frame.Quantity * frame.Price
    expected = frame.groupby(frame.ts.dt.floor("h")).revenue.sum().tolist()
    assert got.sort_values("slice_start")["value"].tolist() == pytest.approx(expected)
    share = load_monitors({"conv": {"metric": "share:converted", "slice": "1h"}})["conv"]
    got = metric_slices(ws, share, datetime(2026, 10, 1, 10), datetime(2026, 10, 1, 12))
    expected = frame.groupby(frame.ts.dt.floor("h")).converted.mean().tolist()
    assert got.sort_values("slice_start")["value"].tolist() == pytest.approx(expected)


def test_trends_metric_and_where(orders):
    ws, frame = orders
    spec = {"kind": "trends", "interval": "day", "date_from": "2026-10-01",
            "date_to": "2026-10-01", "where": "Quantity > 0",
            "series": [{"metric": "sum:Quantity*Price"}, {"math": "dau"},
                       {"metric": "mean:converted"}], "formula": "A / B"}
    out = query(spec, ws).to_dict()
    kept = frame[frame.Quantity > 0]
    revenue = (kept.Quantity * kept.Price).sum()
    assert out["A"] == [pytest.approx(revenue)]
    assert out["formula"] == [pytest.approx(revenue / kept.user_id.nunique())]
    assert out["C"] == [pytest.approx(kept.converted.mean())]
    # The spec round-trips (--show-spec then `applens query`).
    again = parse_spec(parse_spec(spec).model_dump(mode="json"))
    assert query(again, ws).to_dict()["A"] == out["A"]


@pytest.mark.parametrize(("spec", "message"), [
    ({"metric": "sum:Quantty*Price"}, "no column 'Quantty'. Did you mean 'Quantity'?"),
    ({"metric": "avg:Price"}, "is not a property metric"),
    ({"metric": "mean:Price", "math": "sum"}, "either metric or math"),
])
def test_bad_trends_metrics_are_one_line(orders, spec, message):
    ws, _ = orders
    full = {"kind": "trends", "date_from": "2026-10-01", "date_to": "2026-10-01",
            "series": [spec]}
    with pytest.raises(QueryError, match=message) as info:
        query(full, ws)
    assert "\n" not in str(info.value)


def test_bad_monitor_metric_names_the_key():
    with pytest.raises(ConfigError, match=r"monitors\.rev.*is not a property metric"):
        load_monitors({"rev": {"metric": "avg:Price"}})
