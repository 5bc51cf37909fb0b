"""The report on a small demo workspace: self-contained HTML, escaped user data, numbers."""

import datetime as dt
import re

import pytest

from applens.demo.job import run_demo
from applens.insights import query
from applens.report import build_report, default_period, write_report
from applens.workspace import Workspace


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    run_demo(folder, users=300, days=28, seed=3, end_date=dt.date(2026, 11, 22))
    ws = Workspace.open(folder)
    ws.connection.execute("INSERT INTO events (ts, user_id, event) VALUES "
                          "('2026-11-20 10:00:00', 'u-x', '<script>alert(1)</script>')")
    report = build_report(ws)
    files = write_report(ws, report, folder / "out")
    yield ws, report, files
    ws.close()


def test_html_is_self_contained_and_holds_every_chart_spec(written):
    _, report, files = written
    html = files.html.read_text()
    assert not re.search(r"<script[^>]+src=", html)
    specs = html.count('class="vl-spec"')
    assert specs == sum(len(s.charts) for s in report.sections) > 5
    for section in report.sections:
        assert f'id="{section.key}"' in html
    assert len(files.charts) == specs and all(
        p.read_bytes()[:4] == b"\x89PNG" for p in files.charts
    )


def test_user_data_is_escaped(written):
    html = written[2].html.read_text()
    assert "<script>alert(1)</script>" not in html


def test_summary_numbers_match_a_direct_query(written):
    ws, report, _ = written
    period = default_period(ws)
    direct = query({"kind": "active_users", "math": ["dau"], "interval": "day",
                    **period.spec_range()}, ws).to_dict()["dau"][-1]
    figure = report.section("activity").figures[0]
    assert figure.value == direct and figure.text == f"{direct:,}"
