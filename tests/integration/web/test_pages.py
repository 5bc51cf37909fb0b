"""Every page and endpoint of the dashboard, in process (TestClient)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from applens.web.pages import PAGES as REGISTERED_PAGES

HTML = {"accept": "text/html"}
PAGES = list(REGISTERED_PAGES)


def chart_specs(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" class="chart-spec" data-for="([^"]+)">'
                       r"(.*?)</script>", html, flags=re.S)
    return {name: json.loads(body) for name, body in found}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_filters_and_nav(demo_client, page):
    response = demo_client.get(f"/page/{page}", headers=HTML)
    assert response.status_code == 200, response.text[:500]
    html = response.text
    assert 'form class="filters"' in html and 'name="date_from"' in html
    assert 'name="slice_key"' in html
    for other in PAGES:
        assert f'href="/page/{other}"' in html
    assert '<script src="/static/vega.js"' in html
    assert "Traceback" not in html


@pytest.mark.parametrize("page", ["overview", "activity", "retention", "funnels",
                                  "experiments", "anomalies", "models", "data"])
def test_pages_with_demo_data_have_charts_and_csv_downloads(demo_client, page):
    html = demo_client.get(f"/page/{page}", headers=HTML).text
    specs = chart_specs(html)
    assert specs, f"{page} has no chart"
    for name, spec in specs.items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        link = re.search(rf'href="(/page/{page}/{name}\.csv\?[^"]*)"', html)
        assert link, f"no CSV link for {name}"
        download = demo_client.get(link.group(1).replace("&amp;", "&"))
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert "attachment" in download.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert rows, f"{page}/{name}.csv is empty"


def test_root_is_the_overview_with_key_figures(demo_client):
    html = demo_client.get("/", headers=HTML).text
    assert "<h1>Overview</h1>" in html
    for label in ("Events", "Users", "DAU (last day)", "MAU"):
        assert label in html


def test_the_slice_filter_changes_the_chart_data(demo_client):
    everyone = demo_client.get("/api/pages/overview").json()
    android = demo_client.get("/api/pages/overview",
                              params={"slice_key": "os", "slice_value": "Android"}).json()
    assert android["filters"]["slice_value"] == "Android"
    all_dau = [r["dau"] for r in everyone["charts"][0]["data"]]
    slice_dau = [r["dau"] for r in android["charts"][0]["data"]]
    assert len(all_dau) == len(slice_dau)
    assert all(s <= a for s, a in zip(slice_dau, all_dau, strict=True))
    assert sum(slice_dau) < sum(all_dau)


def test_the_date_filter_changes_the_range(demo_client):
    data = demo_client.get("/api/pages/overview", params={
        "date_from": "2026-11-10", "date_to": "2026-11-14"}).json()
    periods = [r["period"] for r in data["charts"][0]["data"]]
    assert periods[0].startswith("2026-11-10") and periods[-1].startswith("2026-11-14")
    assert len(periods) == 5


def test_funnel_steps_and_window_come_from_the_form(demo_client):
    data = demo_client.get("/api/pages/funnels", params={
        "steps": "app_open, view", "window_hours": "2"}).json()
    rows = data["charts"][0]["data"]
    assert [r["event"] for r in rows] == ["app_open", "view"]
    assert rows[0]["step_count"] >= rows[1]["step_count"] > 0


def test_activity_breakdown_option(demo_client):
    data = demo_client.get("/api/pages/activity", params={"breakdown": "app_version"}).json()
    breakdown = next(c for c in data["charts"] if c["id"] == "breakdown")
    assert "5.0.0" in {r["breakdown"] for r in breakdown["data"]}


def test_missing_data_shows_an_empty_state_with_the_command(tmp_path):
    from starlette.testclient import TestClient

    from applens.web import create_app
    from applens.workspace import Workspace

    ws = Workspace.init(tmp_path / "empty")
    with TestClient(create_app(ws)) as client:
        for page, command in (("overview", "applens ingest"), ("anomalies", "applens ingest"),
                              ("experiments", "applens ab analyze --experiment"),
                              ("data", "applens ingest")):
            html = client.get(f"/page/{page}", headers=HTML).text
            assert "empty-state" in html and command in html, page
    ws.close()


def test_models_and_alerts_say_which_command_creates_them(demo_client):
    html = demo_client.get("/page/models", headers=HTML).text
    assert "applens train" in html
    alerts = demo_client.get("/api/pages/anomalies").json()
    assert alerts["tables"] or "applens monitor --once" in str(alerts["empty"])


def test_api_query_takes_the_cli_specs(demo_client):
    spec = {"kind": "active_users", "math": ["dau", "wau"], "date_from": "2026-11-10",
            "date_to": "2026-11-12"}
    body = demo_client.post("/api/query", json=spec).json()
    assert body["ok"] is True and body["kind"] == "active_users"
    assert body["result"]["periods"] == ["2026-11-10", "2026-11-11", "2026-11-12"]
    from applens import insights
    from applens.workspace import Workspace

    ws = Workspace.open(demo_client.app.state.applens.ws.path)
    try:
        assert body["result"] == json.loads(json.dumps(insights.query(spec, ws).to_dict()))
    finally:
        ws.close()


def test_api_health_pages_and_openapi(demo_client):
    assert demo_client.get("/api/health").json()["ok"] is True
    assert [p["name"] for p in demo_client.get("/api/pages").json()["pages"]] == PAGES
    schema = demo_client.get("/openapi.json").json()
    for path in ("/api/query", "/api/pages/{name}", "/api/upload", "/api/health"):
        assert path in schema["paths"], path
    assert demo_client.get("/api/docs").status_code == 200


def test_csv_of_an_unknown_chart_is_a_404_in_the_error_shape(demo_client):
    response = demo_client.get("/api/pages/overview/nope.csv")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFoundError"
    assert "active_users" in response.json()["error"]["message"]


def test_vega_bundle_is_served_by_the_app(demo_client):
    response = demo_client.get("/static/vega.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "window.vegaEmbed" in response.text
    assert "https://cdn" not in response.text[:2000]


def test_security_headers(demo_client):
    response = demo_client.get("/", headers=HTML)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
