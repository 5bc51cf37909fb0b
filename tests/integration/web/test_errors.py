"""One error shape for the API, a friendly page for pages, never a traceback."""

from __future__ import annotations

import pytest

from applens.web.pages import PAGES, Page

HTML = {"accept": "text/html"}


def assert_shape(response, status, type_=None):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert set(body["error"]) == {"type", "message"}
    assert body["error"]["message"]
    if type_:
        assert body["error"]["type"] == type_
    return body


def test_invalid_spec_is_400(demo_client):
    body = assert_shape(demo_client.post("/api/query", json={"kind": "activ_users"}), 400,
                        "QueryError")
    assert "active_users" in body["error"]["message"]  # did you mean


def test_bad_field_in_spec_is_400(demo_client):
    body = assert_shape(demo_client.post("/api/query", json={"kind": "funnel", "steps": []}),
                        400, "QueryError")
    assert "steps" in body["error"]["message"]


def test_body_that_is_not_json_is_422(demo_client):
    response = demo_client.post("/api/query", content=b"{nope",
                                headers={"content-type": "application/json"})
    body = assert_shape(response, 422, "RequestValidationError")
    assert "not valid JSON" in body["error"]["message"]


def test_unknown_api_path_and_method(demo_client):
    assert_shape(demo_client.get("/api/nothing/here"), 404, "NotFound")
    assert_shape(demo_client.get("/api/query"), 405, "MethodNotAllowed")


def test_bad_filter_value_is_400_with_a_hint(demo_client):
    body = assert_shape(demo_client.get("/api/pages/overview", params={"date_from": "11/10"}),
                        400, "InvalidParameterError")
    assert "2026-11-01" in body["error"]["message"]
    assert_shape(demo_client.get("/api/pages/overview", params={"slice_key": "x; DROP"}), 400)
    assert_shape(demo_client.get("/api/pages/overview", params={
        "date_from": "2026-11-20", "date_to": "2026-11-01"}), 400)


def test_pages_get_a_friendly_html_error(demo_client):
    response = demo_client.get("/page/nowhere", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No page named" in response.text and "nowhere" in response.text
    assert "Back to the overview" in response.text
    response = demo_client.get("/page/overview?date_to=tomorrow", headers=HTML)
    assert response.status_code == 400 and "must be a date" in response.text


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_an_unexpected_error_never_shows_a_traceback(demo_client, monkeypatch, accept):
    def boom(ws, filters):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setitem(PAGES, "overview", Page("Overview", boom))
    response = demo_client.get("/page/overview", headers={"accept": accept})
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    if accept == "application/json":
        assert_shape(response, 500, "InternalError")
    else:
        assert "server&#39;s log" in response.text or "server's log" in response.text
    api = demo_client.get("/api/pages/overview")
    assert_shape(api, 500, "InternalError")
    assert "secret" not in api.text
