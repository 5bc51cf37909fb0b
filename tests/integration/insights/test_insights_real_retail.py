"""Online Retail from the CLI alone (issue 20.8): ingest, `retention --where`, property metrics.

Published (../shared/data/online_retail/PROVENANCE.md; DataCamp "Customer Segmentation in
Python"): Online Retail 2010-2011, Quantity > 0 and a customer id: the 2010-12 cohort has
885 customers, month 1 36.6 %, month 2 32.3 %, month 3 38.4 %, month 11 50.3 % (Dec 2011
partial: 26.6 %). Online Retail II 2009-2010: 955 customers, month 1 35.3 %, month 11 49.5 %.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from applens.cli import main
from applens.cli._output import console
from tests.conftest import SHARED_DATA

RETAIL = {
    "online_retail_2010_2011_no_invoice.parquet": {
        "map": ["ts=InvoiceDate", "user_id=CustomerID", "event=Country"], "price": "UnitPrice",
        "from": "2010-12-01", "to": "2011-12-31", "size": 885,
        "published": {1: 36.6, 2: 32.3, 3: 38.4, 11: 50.3, 12: 26.6}},
    "online_retail_II_2009_2010.parquet": {
        "map": ["ts=InvoiceDate", "user_id=Customer ID", "event=Country"], "price": "Price",
        "from": "2009-12-01", "to": "2010-12-31", "size": 955,
        "published": {1: 35.3, 11: 49.5}},
}


@pytest.fixture(params=sorted(RETAIL), scope="module")
def retail(request, tmp_path_factory):
    """A workspace with one retail file ingested through the CLI."""
    name = request.param
    ws = tmp_path_factory.mktemp("retail") / "ws"
    maps = [arg for m in RETAIL[name]["map"] for arg in ("--map", m)]
    for args in (["init", str(ws)],
                 ["ingest", str(SHARED_DATA / "online_retail" / name), *maps,
                  "--max-rejects", "100%", "-w", str(ws)]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0, args
    return name, ws, pd.read_parquet(SHARED_DATA / "online_retail" / name)


def _retention_args(case, ws):
    return ("retention", "--interval", "month", "--periods", "13", "--from", case["from"],
            "--to", case["to"], "--where", "Quantity > 0", "-w", ws)


def test_published_cohorts_from_the_cli(retail, run_cli, monkeypatch):
    name, ws, _ = retail
    case = RETAIL[name]
    result = run_cli(*_retention_args(case, ws), "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    first = out["counts"][0]
    assert first[0] == case["size"]
    for month, published in case["published"].items():
        assert out["percentages"][0][month] == published
        assert round(100 * first[month] / first[0], 1) == published
    csv = run_cli(*_retention_args(case, ws), "--format", "csv")
    row = csv.stdout.splitlines()[1].split(",")
    header = csv.stdout.splitlines()[0].split(",")
    assert float(row[header.index("period_1_pct")]) == case["published"][1]
    monkeypatch.setattr(console, "width", 160)  # 13 periods side by side
    table = run_cli(*_retention_args(case, ws))
    assert table.exit_code == 0
    first_row = next(line for line in table.stdout.splitlines() if case["from"] in line)
    cells = [c.strip() for c in first_row.split("│") if c.strip()]
    assert cells[:3] == [case["from"], str(case["size"]), f"{case['published'][1]}%"]
    assert cells[1 + 11] == f"{case['published'][11]}%"


def test_the_where_is_part_of_the_spec(retail, run_cli, tmp_path):
    name, ws, _ = retail
    case = RETAIL[name]
    shown = run_cli(*_retention_args(case, ws), "--show-spec")
    spec = json.loads(shown.stdout)
    assert spec["where"] == "Quantity > 0"
    (tmp_path / "spec.json").write_text(shown.stdout)
    again = run_cli("query", tmp_path / "spec.json", "-w", ws, "--format", "json")
    direct = run_cli(*_retention_args(case, ws), "--format", "json")
    assert json.loads(again.stdout)["counts"] == json.loads(direct.stdout)["counts"]
    unfiltered = run_cli(*_retention_args(case, ws)[:-4], "-w", ws, "--format", "json")
    assert json.loads(unfiltered.stdout)["counts"] != json.loads(direct.stdout)["counts"]


@pytest.mark.parametrize("command", [("retention",), ("metrics",), ("funnel", "a", "b")])
def test_a_bad_where_names_the_column(retail, run_cli, command):
    _, ws, _ = retail
    result = run_cli(*command, "--where", "Quantty > 0", "-w", ws)
    assert result.exit_code == 1
    assert "no column 'Quantty'. Did you mean 'Quantity'?" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_revenue_as_a_property_metric(retail, run_cli):
    """Revenue = Σ Quantity × price per month, and per customer (ARPU), against pandas."""
    name, ws, frame = retail
    case = RETAIL[name]
    price = case["price"]
    user = case["map"][1].split("=")[1]
    spec = {"kind": "trends", "interval": "month", "date_from": "2011-03-01" if "2011" in name
            else "2010-03-01", "date_to": "2011-03-31" if "2011" in name else "2010-03-31",
            "where": "Quantity > 0",
            "series": [{"metric": f"sum:Quantity * {price}"}, {"math": "dau"},
                       {"metric": f"share:{price} > 2"}],
            "formula": "A / B"}
    result = run_cli("query", json.dumps(spec), "-w", ws, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    month = frame[(pd.to_datetime(frame.InvoiceDate).dt.strftime("%Y-%m") == spec["date_from"][:7])
                  & (frame.Quantity > 0) & frame[user].notna()]
    revenue = (month.Quantity * month[price]).sum()
    assert out["A"][0] == pytest.approx(revenue, rel=1e-9)
    assert out["B"][0] == month[user].nunique()
    assert out["formula"][0] == pytest.approx(revenue / month[user].nunique(), rel=1e-9)
    assert out["C"][0] == pytest.approx((month[price] > 2).mean(), rel=1e-9)
