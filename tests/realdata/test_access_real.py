"""Access questions on real data: the Codeup cohort table (as memberships, with its real staff
and placeholder cohorts and its geolocated IPs) and real Apache logs with scrapers.

The Codeup log itself is not in ../shared (see its PROVENANCE.md), so the log here is a few
hand-written lines in the seed's format naming real cohort ids; every expected number is
computed by hand from the real cohort dates.
"""

from __future__ import annotations

import json

import pytest

from applens.access import AccessData, read_places
from tests.conftest import SHARED_DATA, invoke_cli
from tests.realdata.conftest import build, cli

CODEUP = SHARED_DATA / "codeup_curriculum"
LOGS = SHARED_DATA / "apache_access_logs"

# user 313 in Arches (id 1, 2014-02-04 .. 2014-04-22) reads in 2018: 1,375 days after the end;
# 400 is staff (28), 402 in the placeholder cohort (136), 401 names a cohort id (999) the
# table does not have.
LOG = """\
2018-01-26 09:55:03 / 313 1 97.105.19.58
2018-01-26 09:56:02 java-ii/object-oriented-programming 313 1 97.105.19.58
2018-01-27 10:00:00 javascript-i/functions 400 28 97.105.19.58
2018-01-27 10:01:00 javascript-i/functions 401 999 97.105.19.58
2021-04-01 10:01:00 javascript-i/loops 402 136 97.105.19.58
2018-01-28 10:01:00 this line is broken
"""


@pytest.fixture(scope="module")
def codeup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("codeup") / "ws"
    cli("init", folder)
    log = folder.parent / "curriculum.txt"
    log.write_text(LOG)
    ingested = json.loads(cli("ingest", log, "--preset", "access-log", "-w", folder,
                              "--max-rejects", "100%", "--format", "json").stdout)
    assert ingested[0]["rows_rejected"] == 1  # the broken line, counted
    cli("ingest", CODEUP / "cohorts_project-curriculum.csv", "--table", "memberships",
        "-w", folder)
    return folder


def test_real_cohort_table_loads_with_staff_and_placeholder_left_out(codeup):
    import duckdb

    con = duckdb.connect(str(codeup / "warehouse.duckdb"))
    data = AccessData(con)
    cohorts = con.execute("SELECT count(*), count(*) FILTER (WHERE excluded) FROM _acc_cohorts"
                          ).fetchone()
    assert cohorts == (53, 2)  # PROVENANCE: 53 cohorts; 28 'Staff' and 136 'Placeholder ...'
    excluded = {r[0] for r in con.execute(
        "SELECT name FROM _acc_cohorts WHERE excluded").fetchall()}
    assert excluded == {"Staff", "Placeholder for students in transition"}
    programs = dict(con.execute("SELECT program, count(*) FROM _acc_cohorts GROUP BY 1"
                                ).fetchall())
    assert programs == {"1": 14, "2": 31, "3": 6, "4": 2}  # as PROVENANCE.md lists them
    assert data.rejects["unknown_cohort_ids"] == 1  # 999
    con.close()


def test_both_exports_of_the_cohort_table_agree(tmp_path):
    import duckdb

    rows = []
    for name in ("cohorts_project-curriculum.csv", "cohorts_aackv.csv"):
        folder = tmp_path / name
        cli("init", folder)
        cli("ingest", CODEUP / name, "--table", "memberships", "-w", folder)
        con = duckdb.connect(str(folder / "warehouse.duckdb"))
        rows.append(con.execute("SELECT cohort, name, start_date, end_date, program FROM "
                                "memberships ORDER BY cohort").fetchall())
        con.close()
    assert rows[0] == rows[1] and len(rows[0]) == 53


def test_after_end_uses_the_real_dates(codeup):
    result = invoke_cli("access", "after-end", "-w", codeup, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    # Only 313 (Arches ended 2014-04-22): staff (28) and placeholder (136) are left out.
    assert [r["user_id"] for r in rows] == ["313"]
    assert rows[0]["days_after_end"] == 1375  # 2014-04-22 -> 2018-01-26, by hand
    assert rows[0]["accesses"] == 2


def test_ip_places_from_the_real_geolocation_file(codeup):
    import duckdb

    from applens.access import scrapers

    places = read_places(CODEUP / "ip_geographical_data_aackv.csv")
    # PROVENANCE: 5,533 rows; two IPs appear twice, the first row of each is kept.
    assert len(places) == 5531
    assert places.loc["97.105.19.58", "place"] == "Houston, Texas, US"
    # An account flagged by its IP count gets the place of its busiest IP.
    con = duckdb.connect(str(codeup / "warehouse.duckdb"))
    found = scrapers(AccessData(con, access={"max_accounts_per_ip": 2}), places=places)
    con.close()
    assert set(found.table["busiest_ip"]) == {"97.105.19.58"}
    assert set(found.table["place"]) == {"Houston, Texas, US"}


@pytest.fixture(scope="module")
def almhuette(tmp_path_factory):
    return build(tmp_path_factory, "access-almhuette", LOGS / "almhuette_raith_short.log",
                 "--preset", "combined-log", models=False).path


def test_real_scrapers_are_flagged_with_evidence(almhuette):
    result = invoke_cli("access", "scrapers", "--by", "ip", "-w", almhuette, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["ip"]: r for r in json.loads(result.stdout)["rows"]}
    # PROVENANCE: one IP makes 5,522 requests; here it is a machine-speed burst too.
    heavy = rows["193.106.31.130"]
    assert heavy["events"] == 5522 and "pages in 20 s" in heavy["reasons"]
    # The python-requests clients that download the log are flagged as well.
    import duckdb

    con = duckdb.connect(str(almhuette / "warehouse.duckdb"), read_only=True)
    agents = dict(con.execute(
        "SELECT ip, any_value(user_agent) FROM events WHERE ip IN (SELECT unnest(?)) "
        "GROUP BY 1", [list(rows)]).fetchall())
    con.close()
    scripted = [ip for ip, ua in agents.items() if ua and "python-requests" in ua]
    assert len(scripted) >= 2
    # Every flag is explained, and no human browsing pattern is among the bursts.
    assert all(r["reasons"] for r in rows.values())
    assert len(rows) <= 20


def test_real_apache_log_flags_only_machine_speed_clients(tmp_path_factory):
    folder = build(tmp_path_factory, "access-apache", LOGS / "apache_logs",
                   "--preset", "combined-log", models=False).path
    result = invoke_cli("access", "scrapers", "--by", "ip", "-w", folder, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["ip"]: r for r in json.loads(result.stdout)["rows"]}
    # 41 pages at about one a second, no user agent: the one machine-speed client.
    assert set(rows) == {"199.168.96.66"}
    assert "no think time" in rows["199.168.96.66"]["reasons"]
    # Googlebot (PROVENANCE: the top IP, 482 hits) crawls politely over days: a crawler for
    # the bot model, not a scraper by speed.
    assert "66.249.73.135" not in rows
