"""A constant event name (--map event=const:NAME) and row filters (--where) at ingest."""

import json

import duckdb
import pytest

from applens.errors import SchemaError, SourceError
from applens.ingest import ingest

ORDERS = ("InvoiceDate,Customer,Quantity,Price\n"
          "2024-06-01 10:00:00,c1,10,2.5\n"
          "2024-06-01 11:00:00,c2,9,1.0\n"
          "2024-06-01 12:00:00,c3,-2,1.0\n"
          "2024-06-01 13:00:00,,5,1.0\n")
MAP = {"ts": "InvoiceDate", "user_id": "Customer", "event": "const:purchase"}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_constant_event_name_and_a_typed_filter_on_csv_text(workspace, tmp_path):
    summary = ingest(workspace, write(tmp_path / "orders.csv", ORDERS), mapping=MAP,
                               where="Quantity > 0", max_rejects="100%")
    # "9" > "0" and "10" > "0" as numbers (as text "10" < "9" would not matter here, but
    # -2 must go): the filter sees typed columns
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected,
            summary.rows_filtered) == (4, 2, 1, 1)
    got = workspace.connection.execute(
        "SELECT user_id, event, Quantity FROM events ORDER BY ts").fetchall()
    assert got == [("c1", "purchase", 10), ("c2", "purchase", 9)]
    (line,), = workspace.connection.execute("SELECT line FROM rejects").fetchall()
    assert line == 5  # the empty customer, still on its own file line
    ledger = workspace.connection.execute(
        "SELECT rows_read, rows_loaded, rows_rejected, rows_filtered FROM ingests").fetchall()
    assert ledger == [(4, 2, 1, 1)]


def test_a_filter_that_does_not_fit_the_columns_is_a_clear_error(workspace, tmp_path):
    with pytest.raises(SourceError, match=r"--where 'Quantityy > 0'.*Quantity"):
        ingest(workspace, write(tmp_path / "orders.csv", ORDERS), mapping=MAP,
                         where="Quantityy > 0")
    assert not workspace.has_table("events")


def test_const_needs_a_value(workspace, tmp_path):
    with pytest.raises(SchemaError, match="const:"):
        ingest(workspace, write(tmp_path / "orders.csv", ORDERS),
                         mapping={**MAP, "event": "const:"})


def test_the_cli_prints_read_loaded_rejected_filtered(run_cli, tmp_path):
    assert run_cli("init", tmp_path / "ws").exit_code == 0
    args = ["-w", tmp_path / "ws", "--map", "ts=InvoiceDate", "--map", "user_id=Customer",
            "--map", "event=const:purchase", "--where", "Quantity > 0", "--max-rejects", "100%"]
    table = run_cli("ingest", write(tmp_path / "orders.csv", ORDERS), *args)
    assert table.exit_code == 0, table.stderr
    assert "filtered" in table.stdout
    again = run_cli("ingest", write(tmp_path / "more.csv", ORDERS + "2024-06-02,c9,1,1\n"),
                    *args, "--format", "json")
    got = json.loads(again.stdout)[0]
    assert (got["rows_read"], got["rows_loaded"], got["rows_rejected"],
            got["rows_filtered"]) == (5, 3, 1, 1)
    assert "event=const:purchase" in run_cli("ingest", "--help").stdout.replace("\n", "")


def test_online_retail_orders_as_purchases(workspace, shared_data):
    path = shared_data / "online_retail" / "online_retail_II_2009_2010.parquet"
    where = 'Quantity > 0 AND "Customer ID" IS NOT NULL'
    total, kept = duckdb.sql(f"SELECT count(*), count(*) FILTER (WHERE {where}) "
                             f"FROM '{path}'").fetchall()[0]
    summary = ingest(workspace, path, mapping={"ts": "InvoiceDate", "user_id": "Customer ID",
                                              "event": "const:purchase"}, where=where)
    assert summary.rows_read == total
    assert summary.rows_filtered == total - kept
    assert summary.rows_loaded + summary.rows_rejected == kept
    assert summary.rows_rejected <= kept // 100  # within the default max_rejects
    events = workspace.connection.execute("SELECT DISTINCT event FROM events").fetchall()
    assert events == [("purchase",)]
