"""The access demo's planted answers, found by each ``applens access`` question.

One workspace per module (``build_access_demo``: a real DuckDB file, the log ingested with the
access-log preset, the cohort table as memberships); each test reads the ground truth the
generator returned and checks that the question finds it, through the CLI where it prints.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from applens.access import (
    AccessData,
    after_end,
    cross_program,
    outlier_days,
    quiet_members,
    scrapers,
    top_content,
)
from applens.demo.access_log import build_access_demo
from applens.workspace import Workspace
from tests.conftest import invoke_cli
from tests.support.numbers import unreadable_numbers, visible_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("access-demo")
    truth = build_access_demo(folder)
    ws = Workspace.open(folder)
    yield folder, ws, AccessData.from_workspace(ws), truth
    ws.close()


def test_ingest_counts_the_bad_line_and_the_unknown_cohort(demo):
    folder, ws, data, truth = demo
    ledger = ws.connection.execute(
        "SELECT sum(rows_rejected) FROM ingests WHERE target = 'events'").fetchone()[0]
    reasons = ws.connection.execute("SELECT reason FROM rejects").fetchall()
    assert ledger == truth.bad_lines == len(reasons)
    assert "access-log format" in reasons[0][0]
    assert data.rejects["unknown_cohort_ids"] == 1
    assert any(truth.unknown_cohort in n for n in data.notes)


def test_scraper_found_with_its_window(demo):
    _, _, data, truth = demo
    for entity, ident in (("user", truth.scraper_user), ("ip", truth.scraper_ip)):
        answer = scrapers(data, entity=entity)
        key = "user_id" if entity == "user" else "ip"
        first = answer.table.iloc[0]
        assert first[key] == ident
        assert first["pages_in_20s"] >= truth.scraper_pages
        assert first["distinct_in_window"] == truth.scraper_pages
        assert str(first["window_end"].date()) == truth.scraper_day
        assert (first["window_end"] - first["window_start"]).total_seconds() == 20
        assert "pages in 20 s" in first["reasons"]
        # Students reading at human speed are not flagged.
        assert len(answer.table) == 1


def test_after_end_account_is_first(demo):
    _, _, data, truth = demo
    answer = after_end(data)
    first = answer.table.iloc[0]
    assert first["user_id"] == truth.after_end_user
    assert first["cohort"] == truth.after_end_cohort
    assert first["days_after_end"] > 2 * 365  # years after
    assert first["active_days"] > 5 * answer.table["active_days"].iloc[1]
    cohorts = answer.tables["cohorts"]
    assert cohorts.iloc[0]["cohort"] == truth.after_end_cohort


def test_cross_program_cut_found_on_its_day(demo):
    _, _, data, truth = demo
    answer = cross_program(data)
    cut = date.fromisoformat(truth.cross_program_cut)
    changes = answer.tables["changes"]
    downs = changes[changes["direction"] == "down"]
    nearest = min(abs((d.date() - cut).days) for d in downs["day"])
    assert nearest <= 2
    last = answer.table.iloc[-1]
    assert last["share"] == 0  # nothing after the cut
    assert answer.table.iloc[:-1]["share"].min() > 0.05


def test_low_cohort_is_the_quiet_one(demo):
    _, _, data, truth = demo
    answer = quiet_members(data, by="cohort")
    assert answer.data["quiet"] == [truth.low_cohort]
    assert answer.table.iloc[0]["cohort"] == truth.low_cohort


def test_nobody_opened_the_planted_lesson(demo):
    _, _, data, truth = demo
    answer = top_content(data, by="program")
    assert answer.data["nobody_opened"] == [truth.never_opened]
    # Shares are people / members of the program, so never above 1.
    assert answer.table["share"].between(0, 1).all()
    least = top_content(data, by="cohort", least=True, n=1)
    assert len(least.table) == least.table["cohort"].nunique()


def test_staff_and_placeholder_cohorts_are_left_out(demo):
    _, _, data, truth = demo
    for question in (top_content(data, by="cohort"), quiet_members(data, by="cohort")):
        assert not set(truth.staff_cohorts) & set(question.table["cohort"].astype(str))


def test_the_exam_day_is_the_first_outlier_day(demo):
    _, _, data, truth = demo
    answer = outlier_days(data, by="cohort")  # the default detector
    first = answer.table.iloc[0]
    assert (first["cohort"], str(first["day"])) == (truth.spike_cohort, truth.spike_day)
    assert first["accesses"] > 5 * first["expected"]
    assert first["drill"] == (f"applens access top --by cohort --group {truth.spike_cohort} "
                              f"--from {truth.spike_day} --to {truth.spike_day}")


def test_outlier_days_run_through_a_registered_detector(demo):
    _, _, data, truth = demo
    answer = outlier_days(data, by="program", detector="default")
    assert answer.data["entities"] == 2 and answer.data["days_judged"] > 0
    assert set(answer.table.columns) >= {"program", "day", "accesses", "expected", "drill"}
    assert all(c.startswith("applens access ") for c in answer.table["drill"])


def test_cli_commands_answer_in_json(demo):
    folder, _, _, truth = demo
    result = invoke_cli("access", "scrapers", "-w", folder, "--by", "ip", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert rows[0]["ip"] == truth.scraper_ip
    bad = invoke_cli("access", "top", "-w", folder, "--by", "planet")
    assert bad.exit_code == 1 and "--by must be program or cohort" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_each_question_is_a_query_kind(demo):
    from applens.insights import query

    folder, _, _, truth = demo
    with Workspace.open(folder) as ws:
        found = query({"kind": "access_after_end", "n": 3}, ws)
        assert found.data["user_id"][0] == truth.after_end_user
        cross = query({"kind": "access_cross_program"}, ws)
        assert truth.cross_program_cut in " ".join(cross.data["summary"]["change_days"])
        frame = query({"kind": "access_quiet", "by": "cohort", "n": 1}, ws).to_frame()
        assert frame["cohort"].tolist() == [truth.low_cohort]


def test_report_section_and_dashboard_page_show_the_findings(demo):
    import datetime as dt

    from starlette.testclient import TestClient

    from applens.report._model import Period
    from applens.report.sections.access import access
    from applens.web import create_app

    folder, _, _, truth = demo
    with Workspace.open(folder) as ws:
        section = access(ws, Period(dt.date(2018, 1, 1), dt.date(2021, 7, 1)))
        text = " ".join(section.findings)
        assert f"Account {truth.scraper_user}: 180 pages in 20 s" in text
        assert f"{truth.after_end_user} (cohort {truth.after_end_cohort}) kept reading" in text
        assert f"Cohort {truth.low_cohort} is unusually quiet" in text
        assert f"went down on {truth.cross_program_cut}" in text
        assert truth.never_opened in text
        with TestClient(create_app(ws)) as client:
            dates = "date_from=2019-01-01&date_to=2019-12-31"
            body = client.get(f"/api/pages/access?{dates}").json()
            ids = [t["id"] for t in body["tables"]]
            assert {"scrapers", "after_end", "cross_program", "outlier_days"} <= set(ids)
            csv = client.get(f"/api/pages/access/scrapers.csv?{dates}")
            assert truth.scraper_user in csv.text
            html = client.get(f"/page/access?{dates}", headers={"accept": "text/html"}).text
            assert "Scrapers and shared accounts" in html
            shown = visible_text(html)
            assert unreadable_numbers(shown) == []
            assert not re.search(r"Traceback|\bNaN\b|\bnan\b|\bNaT\b|undefined", shown)


def test_without_memberships_the_page_says_what_to_ingest(tmp_path):
    from starlette.testclient import TestClient

    from applens.ingest import ingest
    from applens.web import create_app

    log = tmp_path / "a.log"
    log.write_text("2019-01-01 10:00:00 /x 1 2 10.0.0.1\n")
    with Workspace.init(tmp_path / "ws") as ws:
        ingest(ws, log, preset="access-log")
        with TestClient(create_app(ws)) as client:
            html = client.get("/page/access", headers={"accept": "text/html"}).text
        assert "applens ingest cohorts.csv --table memberships" in html


def test_unopened_lists_only_groups_enrolled_in_the_range(demo):
    _, _, data, _ = demo
    # In March 2019 only Europa (25, 2019-01-14 .. 2019-05-31) is enrolled: Darden (24) ended
    # 2019-02-22 and Fortuna (26) starts 2019-05-06.
    from datetime import datetime

    answer = top_content(data, by="cohort", start=datetime(2019, 3, 1),
                         end=datetime(2019, 4, 1))
    assert set(answer.tables["unopened"]["cohort"]) == {"25"}


def test_a_range_without_scrapers_gives_an_empty_ranked_table(demo):
    _, _, data, _ = demo
    from datetime import datetime

    answer = scrapers(data, start=datetime(2021, 6, 1), end=datetime(2021, 7, 1))
    assert answer.table.empty and "reasons" in answer.table.columns
    assert answer.data["flagged"] == 0 and answer.data["judged"] >= 1


def test_the_page_draws_the_cut_and_the_top_content_and_links_each_outlier_day(demo):
    from urllib.parse import parse_qs, urlsplit

    from starlette.testclient import TestClient

    from applens.web import create_app

    folder, _, _, truth = demo
    with Workspace.open(folder) as ws, TestClient(create_app(ws)) as client:
        body = client.get("/api/pages/access?date_from=2018-01-01&date_to=2021-07-01").json()
        charts = {c["id"]: c for c in body["charts"]}
        assert {"cross_program_daily", "top_content_bars"} <= set(charts)
        cut = charts["cross_program_daily"]["spec"]
        rules = [layer for layer in cut["layer"] if layer["mark"]["type"] == "rule"]
        assert rules, "the change point is not marked"
        assert truth.cross_program_cut in json.dumps(cut)
        outliers = next(t for t in body["tables"] if t["id"] == "outlier_days")
        first = outliers["rows"][0]
        assert "drill" not in first  # the command is the CLI's; the page links instead
        query = parse_qs(urlsplit(first["open"]).query)
        assert query["cohort"] == [truth.spike_cohort]
        assert query["date_from"] == query["date_to"] == [truth.spike_day]
        drilled = client.get(first["open"].split("#")[0].replace("/page/", "/api/pages/")).json()
        drill = next(t for t in drilled["tables"] if t["id"] == "drill")
        expected = top_content(AccessData.from_workspace(ws), by="cohort",
                               group=truth.spike_cohort, n=20,
                               start=datetime.fromisoformat(truth.spike_day),
                               end=datetime.fromisoformat(truth.spike_day) + timedelta(days=1))
        assert [r["content"] for r in drill["rows"]] == expected.table["content"].tolist()
        assert len(drill["rows"]) > 0
        html = client.get(first["open"].split("#")[0], headers={"accept": "text/html"}).text
        assert f"What cohort {truth.spike_cohort} read on {truth.spike_day}" in html


def _most_common(values) -> str:
    counts = values.value_counts()
    return min(counts[counts == counts.max()].index)  # ties: the smallest


def test_outlier_days_evidence_is_the_definition(demo):
    """Each flagged day's most read item and busiest person, recomputed from the requests
    (the product reads only the flagged days' rows for them)."""
    _, _, data, _ = demo
    answer = outlier_days(data, by="cohort")
    assert len(answer.table) > 0
    rows = data.df("SELECT cohort, CAST(ts AS DATE) AS day, content, user_id FROM _acc_events "
                   "WHERE content IS NOT NULL")
    for flagged in answer.table.itertuples():
        day = rows[(rows["cohort"] == flagged.cohort)
                   & (rows["day"].dt.date == flagged.day)]
        assert len(day) == flagged.accesses
        if day.empty:  # a day with no requests (a drop) has no item or person
            assert pd.isna(flagged.top_content) and pd.isna(flagged.busiest_person)
            continue
        assert flagged.top_content == _most_common(day["content"])
        assert flagged.busiest_person == _most_common(day["user_id"])


def test_cross_program_tables_are_the_definition(demo):
    """The daily share and the people, recomputed from the requests and the owners table."""
    _, _, data, _ = demo
    answer = cross_program(data, n=10**6)
    owners = dict(data.con.execute("SELECT content, owner FROM _acc_owners").fetchall())
    rows = data.df("SELECT ts, user_id, cohort, program, content FROM _acc_events WHERE "
                   "program IS NOT NULL AND content IS NOT NULL")
    rows["owner"] = rows["content"].map(owners)
    rows = rows[rows["owner"].notna()]
    rows["cross"] = rows["owner"] != rows["program"]
    rows["day"] = rows["ts"].dt.normalize()
    daily = rows.groupby("day").agg(cross_accesses=("cross", "sum"), accesses=("cross", "size"))
    got = answer.tables["daily"].set_index("day")
    assert got.index.equals(daily.index.astype(got.index.dtype))
    assert (got["cross_accesses"].to_numpy() == daily["cross_accesses"].to_numpy()).all()
    assert (got["accesses"].to_numpy() == daily["accesses"].to_numpy()).all()
    cross = rows[rows["cross"]]
    assert len(cross) > 0
    people = answer.tables["people"].set_index("user_id")
    assert set(people.index) == set(cross["user_id"])
    for user, part in cross.groupby("user_id"):
        row = people.loc[user]
        assert row["cross_accesses"] == len(part)
        assert (row["first_cross"], row["last_cross"]) == (part["ts"].min(), part["ts"].max())
        pairs = part.groupby(["cohort", "program"]).size()
        assert (row["cohort"], row["program"]) == min(pairs[pairs == pairs.max()].index)
        assert row["other_program"] == _most_common(part["owner"])
