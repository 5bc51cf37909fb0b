"""The figures each set's PROVENANCE.md publishes, from the CLI alone."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from tests.conftest import SHARED_DATA
from tests.realdata.conftest import Built, cli

COOKIE_CATS = SHARED_DATA / "cookie_cats" / "cookie_cats.csv"
AB_DATA = SHARED_DATA / "udacity_ab_data" / "ab_data.csv.gz"
CLEANING = "(\"group\" = 'treatment') = (landing_page = 'new_page')"


def _sql(built: Built, query: str) -> list[tuple]:
    with duckdb.connect(str(built.path / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(query).fetchall()


@pytest.mark.parametrize(("name", "size", "month_1", "month_11"), [
    ("retail_2011", 885, 36.6, 50.3), ("retail_2009", 955, 35.3, 49.5)])
def test_retail_monthly_cohorts(request, name, size, month_1, month_11):
    built = request.getfixturevalue(name)
    out = json.loads(cli("retention", "--interval", "month", "--first-time", "--from", "all",
                         "--periods", "13", "-w", built.path, "--format", "json").stdout)
    assert len(out["cohort_starts"]) == 13
    assert out["counts"][0][0] == size
    assert out["percentages"][0][1] == month_1 and out["percentages"][0][11] == month_11
    # Customer ids are whole numbers, not the floats of the source column.
    assert _sql(built, "SELECT count(*) FROM events WHERE user_id LIKE '%.%'") == [(0,)]


def test_retail_2011_loads_the_published_rows(retail_2011):
    assert retail_2011.ingest["rows_read"] == 541_909
    assert _sql(retail_2011, "SELECT count(DISTINCT user_id) FROM events") == [(4_339,)]


def test_cookie_cats_readout_from_the_file(cookie_cats):
    assert cookie_cats.ingest["rows_loaded"] == 90_189
    out = json.loads(cli("ab", "analyze", "--data", COOKIE_CATS, "--group-col", "version",
                         "--control", "gate_30", "--resamples", "500", "--format",
                         "json").stdout)
    rows = {m["metric"]: m for m in out["metrics"]}
    assert sorted(rows) == ["retention_1", "retention_7", "sum_gamerounds"]  # not userid
    assert round(rows["retention_7"]["p_value"], 4) == 0.0016
    assert round(rows["retention_1"]["p_value"], 3) == 0.074
    assert round(rows["retention_7"]["control_mean"] * 100, 2) == 19.02
    assert round(rows["retention_7"]["treatment_mean"] * 100, 2) == 18.20
    assert round(rows["retention_1"]["control_mean"] * 100, 2) == 44.82
    assert round(rows["retention_1"]["treatment_mean"] * 100, 2) == 44.23
    assert round(rows["sum_gamerounds"]["control_mean"], 2) == 52.46
    assert round(rows["sum_gamerounds"]["treatment_mean"], 2) == 51.30
    assert rows["retention_7"]["prob_treatment_better"] < 0.01  # gate_30 better: ~0.998


def test_cookie_cats_workspace_has_every_player(cookie_cats):
    assert _sql(cookie_cats, "SELECT version, count(*) FROM users GROUP BY 1 ORDER BY 1") == [
        ("gate_30", 44_700), ("gate_40", 45_489)]
    said = cookie_cats.steps["train"].stdout
    assert said.count(": skipped.") >= 3 and "no events" in said


def test_udacity_from_the_file_and_from_the_workspace(udacity):
    from_file = json.loads(cli("ab", "analyze", "--data", AB_DATA, "--group-col", "group",
                               "--control", "control", "--metric", "converted",
                               "--where", CLEANING, "--resamples", "0",
                               "--format", "json").stdout)["metrics"][0]
    from_ws = json.loads(cli("ab", "analyze", "--experiment", "landing_page", "--resamples",
                             "0", "-w", udacity.path, "--format", "json").stdout)["metrics"][0]
    for row in (from_file, from_ws):
        assert (row["n_control"], row["n_treatment"]) == (145_274, 145_310)
        assert round(row["control_mean"] * 100, 2) == 12.04
        assert round(row["treatment_mean"] * 100, 2) == 11.88
        assert round(row["p_value"], 2) == 0.19
    assert udacity.ingest["rows_read"] == 294_478
    assert _sql(udacity, "SELECT count(DISTINCT user_id) FROM events") == [(290_584,)]


@pytest.mark.parametrize(("name", "lines", "parsed", "ips"), [
    ("apache", 10_000, 9_999, 1_753), ("almhuette", 10_000, 10_000, 456)])
def test_access_logs(request, name, lines, parsed, ips):
    built = request.getfixturevalue(name)
    assert (built.ingest["rows_read"], built.ingest["rows_loaded"]) == (lines, parsed)
    assert _sql(built, "SELECT count(DISTINCT ip), count(DISTINCT user_id) FROM events") == [
        (ips, ips)]
    # Each IP is scored once by the bots model.
    assert f"of {ips:,}" in built.steps["predict"].stdout.replace(f"of {ips}", f"of {ips:,}")
    assert _sql(built, "SELECT count(*) = count(DISTINCT entity_id) FROM scores_bots") == [
        (True,)]


def test_codeup_cohorts_load_whole(cohorts):
    assert (cohorts.ingest["rows_read"], cohorts.ingest["rows_loaded"]) == (53, 53)
    assert _sql(cohorts, "SELECT count(*), count(DISTINCT program_id) FROM users") == [(53, 4)]
    assert _sql(cohorts, "SELECT CAST(end_date AS DATE) FROM users WHERE user_id = '136'"
                ) == [(dt.date(2029, 3, 1),)]
