"""Token auth, the early 413, upload paths that cannot escape, escaping of user data."""

from __future__ import annotations

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from applens.web import create_app, safe_filename
from tests.integration.web.conftest import HOSTILE_COUNTRY, HOSTILE_EVENT

HTML = {"accept": "text/html"}
TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def guarded(small_ws):
    with TestClient(create_app(small_ws, token=TOKEN), raise_server_exceptions=False) as client:
        yield client


# -- token ---------------------------------------------------------------------------------
def test_without_the_token_the_api_is_401_in_the_error_shape(guarded):
    assert guarded.get("/static/style.css").status_code == 401
    for method, path in (("get", "/api/health"), ("post", "/api/query"), ("get", "/openapi.json")):
        response = getattr(guarded, method)(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["type"] == "Unauthorized"
        assert TOKEN not in response.text


def test_without_the_token_pages_show_the_login_form(guarded):
    response = guarded.get("/page/activity", headers=HTML)
    assert response.status_code == 401
    assert 'action="/login"' in response.text and 'value="/page/activity"' in response.text


@pytest.mark.parametrize("headers", [{"authorization": f"Bearer {TOKEN}"},
                                     {"x-applens-token": TOKEN}])
def test_the_token_in_a_header_opens_everything(guarded, headers):
    assert guarded.get("/api/health", headers=headers).json()["ok"] is True
    assert guarded.get("/page/data", headers={**HTML, **headers}).status_code == 200


def test_a_wrong_token_is_refused(guarded):
    assert guarded.get("/api/health", headers={"authorization": "Bearer nope"}).status_code == 401
    assert guarded.get("/api/health", params={"token": "nope"}).status_code == 401
    response = guarded.post("/login", data={"token": "nope", "next": "/"}, headers=HTML)
    assert response.status_code == 401 and "not right" in response.text


def test_query_token_sets_a_cookie_and_redirects_without_it(guarded):
    response = guarded.get("/page/data", params={"token": TOKEN, "slice_key": "country"},
                           headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/page/data?slice_key=country"
    cookie = response.headers["set-cookie"]
    assert "applens_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert TOKEN not in cookie
    assert guarded.get("/api/health").status_code == 200  # the client kept the cookie


def test_login_form_sets_the_cookie(guarded):
    response = guarded.post("/login", data={"token": TOKEN, "next": "/page/funnels"},
                            headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/page/funnels"
    assert guarded.get("/page/funnels", headers=HTML).status_code == 200


def test_login_does_not_redirect_off_site(guarded):
    response = guarded.post("/login", data={"token": TOKEN, "next": "//evil.example/x"},
                            follow_redirects=False)
    assert response.headers["location"] == "/"


def test_serve_refuses_a_public_address_without_a_token(run_cli, monkeypatch, small_ws):
    monkeypatch.delenv("APPLENS_TOKEN", raising=False)
    result = run_cli("serve", "-w", small_ws.path, "--host", "0.0.0.0", "--port", "1")
    assert result.exit_code == 1
    assert "APPLENS_TOKEN" in result.stderr and "Refusing" in result.stderr


def test_serve_help_has_an_example(run_cli):
    result = run_cli("serve", "--help")
    assert result.exit_code == 0 and "Example:" in result.stdout and "127.0.0.1" in result.stdout


# -- size limit ----------------------------------------------------------------------------
def test_an_upload_over_the_limit_is_413_before_it_is_read(small_client, small_ws):
    big = b"ts,user_id,event\n" + b"2026-11-01T00:00:00Z,u1,view\n" * 5000  # ~150 KB > 64 KiB
    response = small_client.post("/api/upload", files={"file": ("big.csv", big, "text/csv")})
    assert response.status_code == 413
    body = response.json()
    assert body["ok"] is False and body["error"]["type"] == "PayloadTooLarge"
    assert "upload limit" in body["error"]["message"]
    assert not any((small_ws.path / "uploads").glob("*big*")) if (
        small_ws.path / "uploads").exists() else True


def test_a_chunked_upload_over_the_limit_is_413(small_client):
    def chunks():
        for _ in range(40):
            yield b"x" * 4096

    response = small_client.post("/api/upload", content=chunks(), headers={
        "content-type": "multipart/form-data; boundary=abc"})
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "PayloadTooLarge"


def test_the_413_page_is_html_for_the_upload_form(small_client):
    big = b"a,b\n" + b"1,2\n" * 40_000
    response = small_client.post("/upload", files={"file": ("big.csv", big)}, headers=HTML)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Upload too large" in response.text


# -- paths -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("../../x.csv", "x.csv"), ("..\\..\\evil.csv", "evil.csv"), ("/etc/passwd", "passwd"),
    ("a b<script>.csv", "a_b_script_.csv"), ("..", "upload"), ("", "upload"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_a_traversal_file_name_is_written_inside_the_workspace(small_client, small_ws, tmp_path):
    body = b"ts,user_id,event\n2026-11-05T10:00:00Z,u9,view\n"
    response = small_client.post("/api/upload", files={"file": ("../../x.csv", body)})
    assert response.status_code == 200, response.text
    written = list((small_ws.path / "uploads").iterdir())
    assert len(written) == 1 and written[0].name.endswith("-x.csv")
    assert written[0].resolve().is_relative_to(small_ws.path.resolve())
    assert not (small_ws.path.parent / "x.csv").exists()
    assert not (small_ws.path / "uploads" / ".." / ".." / "x.csv").exists()
    assert response.json()["ingest"]["file_name"] == "../../x.csv"


# -- escaping --------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["activity", "funnels", "data", "overview"])
def test_user_data_is_escaped_in_pages(small_client, page):
    html = small_client.get(f"/page/{page}", headers=HTML).text
    assert HOSTILE_EVENT not in html
    assert HOSTILE_COUNTRY not in html
    assert "<img" not in html


def test_hostile_event_name_is_shown_as_text(small_client):
    html = small_client.get("/page/activity", headers=HTML).text
    assert str(escape(HOSTILE_EVENT)) in html  # in the events table, as text
    filters = small_client.get("/page/overview", headers=HTML).text
    assert str(escape(HOSTILE_COUNTRY)) in filters  # a slice value in the filter


def test_hostile_file_name_is_escaped_on_the_upload_page(small_client):
    name = "<script>alert(3)</script>.csv"
    response = small_client.post("/upload", headers=HTML, files={"file": (
        name, b"ts,user_id,event\n2026-11-05T10:00:00Z,u9,view\n")})
    assert response.status_code == 200
    assert "<script>alert(3)" not in response.text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;.csv" in response.text


def test_allowed_hosts_refuse_other_host_headers(small_ws):
    app = create_app(small_ws, allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/api/health").status_code == 200
        response = client.get("/api/health", headers={"host": "evil.example:8000"})
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "InvalidHost"
