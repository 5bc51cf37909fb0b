"""The dashboard's alert history links each alert to its explanation (which slice moved it).

A real monitor run over real events opens the alert; the pages are fetched over HTTP.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient

from applens.ingest import ingest
from applens.monitor import run_once
from applens.web import create_app
from applens.workspace import Workspace

SLOT = dt.datetime(2026, 10, 28, 12, 0)


@pytest.fixture
def alerted_ws(tmp_path):
    """Two weeks of 80 Android + 80 iOS views every hour; at 12:00 on the last day Android
    has none: the 'views' monitor opens an alert on the total (80 against 160 is ~6 sigma
    under Poisson noise, past the count-aware view's 4.5)."""
    rows = []
    for back in range(15):
        day = (SLOT - dt.timedelta(days=back)).date()
        for hour in range(24):
            android = 0 if (back == 0 and hour == 12) else 80
            rows += [f"{day} {hour:02d}:{i % 15:02d}:00,a{i},view,Android\n"
                     for i in range(android)]
            rows += [f"{day} {hour:02d}:{i % 15:02d}:30,i{i},view,iOS\n" for i in range(80)]
    (tmp_path / "e.csv").write_text("ts,user_id,event,os\n" + "".join(rows))
    Workspace.init(tmp_path / "ws").close()
    with (tmp_path / "ws" / "applens.toml").open("a") as handle:
        handle.write('\n[monitors.views]\nevent = "view"\nslice = "15m"\nhistory = "14d"\n'
                     'catch_up = "1h"\n')
    ws = Workspace(tmp_path / "ws")
    ingest(ws, str(tmp_path / "e.csv"))
    run_once(ws, now=SLOT.replace(tzinfo=dt.UTC) + dt.timedelta(minutes=30))
    yield ws
    ws.close()


def test_each_alert_links_to_its_explanation(alerted_ws):
    with TestClient(create_app(alerted_ws)) as client:
        page = client.get("/page/anomalies", params={"date_from": "2026-10-27",
                                                     "date_to": "2026-10-28"})
        assert page.status_code == 200
        links = [html.unescape(h) for h in re.findall(r'<a href="([^"]+)">explain</a>',
                                                      page.text)]
        assert len(links) == 1 and "alert=views%7Call%7C2026-10-28T12%3A00" in links[0]
        why = client.get(links[0])
        assert why.status_code == 200
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", why.text)).split())
        assert "view count -50.0%: os=Android explains 100.0% of the drop." in text
        assert 'id="table-explanation"' in why.text
        data = client.get("/api/pages/anomalies", params={
            "date_from": "2026-10-27", "date_to": "2026-10-28",
            "alert": "views|all|2026-10-28T12:00"}).json()
        tables = {t["id"]: t for t in data["tables"]}
        assert tables["alerts"]["rows"][0]["explanation"] == links[0]
        assert tables["explanation"]["rows"][0]["slice"] == "os=Android"
        assert tables["explanation"]["rows"][0]["explains"] is True


def test_an_unknown_alert_says_so_on_the_page(alerted_ws):
    with TestClient(create_app(alerted_ws)) as client:
        page = client.get("/page/anomalies", params={"alert": "nope"})
        assert page.status_code == 200
        assert "There is no alert nope" in html.unescape(page.text)


def test_alerts_of_an_undeclared_monitor_get_no_link(alerted_ws, tmp_path):
    """The demo passes its monitors to the run instead of applens.toml: nothing to explain."""
    plain = Workspace(alerted_ws.path, monitors={})
    try:
        with TestClient(create_app(plain)) as client:
            page = client.get("/page/anomalies", params={"date_from": "2026-10-27",
                                                         "date_to": "2026-10-28"})
            assert "Alert history" in page.text and ">explain</a>" not in page.text
    finally:
        plain.close()
