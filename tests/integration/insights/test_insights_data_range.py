"""Defaults follow the data, not the clock (issue 20 item 5, issue 17 item 11).

The UCI Online Retail orders end on 2011-12-09: a default range that ends today is empty.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    from tests.conftest import SHARED_DATA

    raw = pd.read_parquet(
        SHARED_DATA / "online_retail" / "online_retail_2010_2011_no_invoice.parquet")
    raw = raw[(raw.Quantity > 0) & raw.CustomerID.notna()]
    path = tmp_path_factory.mktemp("retail") / "orders.parquet"
    pd.DataFrame({"ts": raw.InvoiceDate, "user_id": raw.CustomerID.astype(int).astype(str),
                  "event": "purchase"}).to_parquet(path)
    return ["--events", str(path)], raw


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_metrics_default_range_ends_at_the_last_day_of_data(run_cli, retail):
    args, raw = retail
    out = _json(run_cli("metrics", *args, "--format", "json"))
    last = raw.InvoiceDate.max().date()
    assert out["periods"][-1].startswith(last.isoformat())
    assert len(out["periods"]) == 31  # --from -30d counts back from the data's end
    assert sum(out["dau"]) > 0 and all(m > 0 for m in out["mau"])


def test_retention_from_all_gives_the_published_cohorts_and_periods_limits(run_cli, retail):
    args, raw = retail
    out = _json(run_cli("retention", *args, "--interval", "month", "--first-time",
                        "--from", "all", "--periods", "13", "--format", "json"))
    assert len(out["cohort_starts"]) == 13 and out["cohort_starts"][0].startswith("2010-12-01")
    first = out["counts"][0]
    assert first[0] == 885  # published: 885 customers in the 2010-12 cohort
    assert round(100 * first[1] / first[0], 1) == 36.6  # M1
    assert round(100 * first[11] / first[0], 1) == 50.3  # M11
    few = _json(run_cli("retention", *args, "--interval", "month", "--from", "all",
                        "--periods", "3", "--format", "json"))
    assert len(few["cohort_starts"]) == 3 and all(len(row) == 3 for row in few["counts"])


def test_default_retention_ends_with_the_data(run_cli, retail):
    args, _ = retail
    out = _json(run_cli("retention", *args, "--format", "json"))
    assert len(out["counts"]) == 8 and out["counts"][-1][0] > 0
    assert out["cohort_starts"][-1].startswith("2011-12-04")  # the week of 2011-12-09


@pytest.mark.parametrize("command", [["retention"], ["metrics"]])
def test_an_empty_range_says_so_in_one_line(run_cli, retail, command):
    args, _ = retail
    result = run_cli(*command, *args, "--from", "2024-01-01", "--to", "2024-01-05")
    assert result.exit_code == 0, result.stderr
    note = " ".join(result.stderr.split())
    assert re.search(r"^No events between (2023-12-3\d|2024-01-0\d) and 2024-01-0\d;", note)
    assert "the data covers 2010-12-01 to 2011-12-09" in note
    assert "Traceback" not in result.stderr


def test_a_range_with_data_has_no_note(run_cli, retail):
    args, _ = retail
    result = run_cli("metrics", *args, "--from", "2011-06-01", "--to", "2011-06-05")
    assert result.exit_code == 0 and "No events" not in result.stderr
