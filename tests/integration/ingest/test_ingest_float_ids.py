"""Id columns stored as floats (pandas turns an integer column with gaps into float64, as in
Online Retail's ``Customer ID``): when every value is a whole number the ids are ``13085``,
not ``13085.0``; a column with a real fraction keeps its values as written."""

import pyarrow as pa
import pyarrow.parquet as pq

from applens.ingest import ingest

MAP = {"ts": "InvoiceDate", "user_id": "Customer ID", "event": "const:purchase"}


def ids(workspace, column="user_id"):
    return [row[0] for row in workspace.connection.execute(
        f"SELECT {column} FROM events ORDER BY ts").fetchall()]


def orders(path, customers, **extra):
    table = pa.table({
        "InvoiceDate": ["2024-06-01 10:00:00", "2024-06-01 11:00:00", "2024-06-01 12:00:00"],
        "Customer ID": pa.array(customers, pa.float64()), **extra})
    pq.write_table(table, path)
    return path


def test_integral_float_ids_from_parquet_lose_the_fraction(workspace, tmp_path):
    source = orders(tmp_path / "orders.parquet", [13085.0, None, 12346.0],
                    receiver=pa.array([1.0, 2.0, 3.0]))
    summary = ingest(workspace, source, mapping={**MAP, "receiver_id": "receiver"},
                               max_rejects="100%")
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (3, 2, 1)
    assert ids(workspace) == ["13085", "12346"]
    assert ids(workspace, "receiver_id") == ["1", "3"]
    # The session ids are built from the user ids.
    assert all(s.startswith(("13085:", "12346:")) for s in ids(workspace, "session_id"))


def test_integral_float_ids_written_as_text_lose_the_fraction(workspace, tmp_path):
    source = tmp_path / "orders.csv"
    source.write_text("InvoiceDate,Customer ID\n2024-06-01 10:00:00,13085.0\n"
                      "2024-06-01 11:00:00,12346.0\n", encoding="utf-8")
    ingest(workspace, source, mapping=MAP)
    assert ids(workspace) == ["13085", "12346"]


def test_ids_with_a_real_fraction_keep_every_value_as_written(workspace, tmp_path):
    ingest(workspace, orders(tmp_path / "orders.parquet", [1.5, 2.0, 3.0]), mapping=MAP)
    assert ids(workspace) == ["1.5", "2.0", "3.0"]


def test_other_text_columns_keep_their_zero_fraction(workspace, tmp_path):
    source = orders(tmp_path / "orders.parquet", [1.0, 2.0, 3.0],
                    version=pa.array([5.0, 4.0, 4.0]))
    ingest(workspace, source, mapping={**MAP, "app_version": "version"})
    assert ids(workspace, "app_version") == ["5.0", "4.0", "4.0"]
