"""The dashboard and its API go through the insight planner: the demo workspace keeps rollups
(its events came in through ingest), the API says which path answered, and the pages built
from rollups equal the pages built by scanning."""

from __future__ import annotations

import json
import shutil

import pytest

from applens import insights
from applens.insights import rollups
from applens.web import pages
from applens.workspace import Workspace


def test_api_query_says_which_path_answered(demo_client):
    spec = {"kind": "active_users", "math": ["dau", "wau", "mau"], "date_from": "2026-11-01",
            "date_to": "2026-11-20"}
    body = demo_client.post("/api/query", json=spec).json()
    assert body["plan"]["path"] == "rollup", body["plan"]
    ws = Workspace.open(demo_client.app.state.applens.ws.path)
    try:
        scanned = insights.query(spec, ws, path="scan")
    finally:
        ws.close()
    assert body["result"] == json.loads(json.dumps(scanned.to_dict()))
    funnel = {"kind": "funnel", "steps": [{"event": "app_open"}, {"event": "feed_view"}]}
    body = demo_client.post("/api/query", json=funnel).json()
    assert body["plan"]["path"] == "scan" and "order of events" in body["plan"]["why"]


@pytest.mark.parametrize("name", ["activity", "retention"])
def test_pages_from_rollups_equal_pages_from_a_scan(demo_ws_path, tmp_path, name):
    copy = tmp_path / "ws"
    shutil.copytree(demo_ws_path, copy)
    with Workspace.open(copy) as ws:
        assert rollups.read_meta(ws.connection) is not None  # the demo ingest kept them
        filters = pages.parse_filters(ws, {})
        with_rollups = pages.build_page(name, ws, filters).to_dict()
        rollups.drop(ws.connection)
        scanned = pages.build_page(name, ws, filters).to_dict()
    assert json.dumps(with_rollups, default=str) == json.dumps(scanned, default=str)
