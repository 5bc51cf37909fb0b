"""Login, sessions and guessing, over real HTTP against a served workspace (uvicorn)."""

from __future__ import annotations

import re

import httpx2 as httpx
import pytest

from applens.errors import ConfigError
from applens.web import create_app
from applens.web.security import SESSION_MAX_AGE, Auth, FailureThrottle, safe_next
from tests.integration.web.conftest import FakeClock, serve_http

TOKEN = "s3cret-token-for-tests"
HTML = {"accept": "text/html"}


@pytest.fixture
def served(small_ws):
    with serve_http(create_app(small_ws, token=TOKEN)) as url:
        yield url


def _login(url: str, token: str = TOKEN, next_: str = "/") -> httpx.Response:
    return httpx.post(f"{url}/login", data={"token": token, "next": next_},
                      headers=HTML, follow_redirects=False)


def _session_cookie(response: httpx.Response) -> tuple[str, str, str]:
    """(name, value, attributes) of the cookie a login set."""
    header = response.headers["set-cookie"]
    pair, _, attributes = header.partition(";")
    name, _, value = pair.partition("=")
    return name.strip(), value.strip(), attributes


# -- 1. where a login may send the browser -------------------------------------------------
HOSTILE_NEXT = [
    "//evil.example/x", "///evil.example", "/\\evil.example", "/\\/evil.example",
    "\\\\evil.example", "\\/evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r\n/evil.example", "/\x00/evil.example", "/ /evil.example", "/%2F/evil.example",
    "/%5Cevil.example", "/%09/evil.example", "https://evil.example/", "http:evil.example",
    "HTTPS://evil.example", "javascript:alert(1)", "evil.example", " /page/data",
    "\uff0f\uff0fevil.example", "/\uff3cevil.example", "/\u2028/evil.example",
    "/page\r\nSet-Cookie: stolen=1", "//%09evil.example", "", "data:text/html,<script>",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_site(served, target):
    response = _login(served, next_=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/", (target, response.headers["location"])
    assert "stolen" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", HOSTILE_NEXT[:12])
def test_the_login_form_does_not_carry_a_hostile_next(served, target):
    html = httpx.get(f"{served}/login", params={"next": target}, headers=HTML).text
    assert re.search(r'name="next" value="/"', html), target


@pytest.mark.parametrize("target", ["/page/funnels", "/page/data?slice_key=country&x=%2F",
                                    "/page/retention#top", "/"])
def test_login_keeps_a_path_on_this_server(served, target):
    assert _login(served, next_=target).headers["location"] == target


@pytest.mark.parametrize("target, expected", [("/page/x", "/page/x"), ("//x", "/"),
                                              ("/\\x", "/"), (None, "/")])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


# -- 2. other cookies of the same host -----------------------------------------------------
REALISTIC = [
    "_ga=GA1.1.1234567890.1700000000; _ga_X1Y2Z3=GS1.1.1700000000.3.1.1700000100.0.0.0; {s}",
    'prefs={{"theme":"dark","cols":[1,2]}}; {s}',
    "name=John Smith; {s}",
    'csrftoken="a quoted value"; {s}; lang=ru',
    "_gid=GA1.1.987654321.1700000000; _gat_UA-1-1=1; {s}; consent=yes,analytics",
    'grafana_session=0f3c; jupyter={{"xsrf": "2|abc|def"}}; {s}',
]


@pytest.mark.parametrize("header", REALISTIC)
def test_the_session_survives_unusual_neighbour_cookies(served, header):
    name, value, _ = _session_cookie(_login(served))
    cookie = header.format(s=f"{name}={value}")
    response = httpx.get(f"{served}/api/health", headers={"cookie": cookie})
    assert response.status_code == 200, cookie
    assert response.json()["ok"] is True


# -- 3. guessing -----------------------------------------------------------------------------
@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def throttled(small_ws, clock):
    auth = Auth(TOKEN, clock=clock, throttle=FailureThrottle(limit=5, window=60, clock=clock))
    with serve_http(create_app(small_ws, auth=auth)) as url:
        yield url


def test_wrong_bearer_tokens_are_throttled_then_forgiven(throttled, clock):
    wrong = {"authorization": "Bearer wrong-token-guess-000"}
    right = {"authorization": f"Bearer {TOKEN}"}
    for _ in range(5):
        assert httpx.get(f"{throttled}/api/health", headers=wrong).status_code == 401
    refused = httpx.get(f"{throttled}/api/health", headers=wrong)
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "TooManyAttempts"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # Locked out, even the right token is not checked (a guess must not learn anything).
    assert httpx.get(f"{throttled}/api/health", headers=right).status_code == 429
    clock.advance(61)
    assert httpx.get(f"{throttled}/api/health", headers=right).status_code == 200


def test_wrong_logins_are_throttled_and_a_session_still_works(throttled, clock):
    name, value, _ = _session_cookie(_login(throttled))
    for _ in range(5):
        assert _login(throttled, token="not-the-token-at-all").status_code == 401
    response = _login(throttled, token="not-the-token-at-all")
    assert response.status_code == 429 and "retry-after" in response.headers
    assert "Too many wrong access tokens" in response.text
    assert _login(throttled).status_code == 429
    cookie = {"cookie": f"{name}={value}"}
    assert httpx.get(f"{throttled}/api/health", headers=cookie).status_code == 200
    clock.advance(30)
    assert int(_login(throttled).headers["retry-after"]) <= 30
    clock.advance(31)
    assert _login(throttled).status_code == 303


def test_retry_after_counts_down_in_a_sliding_window():
    clock = FakeClock()
    throttle = FailureThrottle(limit=2, window=100, clock=clock)
    throttle.fail("a")
    clock.advance(40)
    throttle.fail("a")
    assert throttle.retry_after("a") == 60 and throttle.retry_after("b") is None
    clock.advance(60)
    assert throttle.retry_after("a") is None


@pytest.mark.parametrize("token", ["x", "short-token-15c", " " * 20])
def test_a_short_token_is_refused(token):
    with pytest.raises(ConfigError, match="at least 16"):
        Auth(token)


def test_serve_refuses_a_short_token(run_cli, monkeypatch, small_ws):
    monkeypatch.setenv("APPLENS_TOKEN", "abc")
    result = run_cli("serve", "-w", small_ws.path, "--port", "1")
    assert result.exit_code == 1
    assert "at least 16" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3


# -- 4. the browser holds a signed session, never the token ---------------------------------
def test_the_cookie_is_a_signed_session_not_the_token(served):
    for response in (_login(served), httpx.get(f"{served}/page/data", params={"token": TOKEN},
                                               headers=HTML, follow_redirects=False)):
        name, value, attributes = _session_cookie(response)
        assert TOKEN not in response.headers["set-cookie"]
        assert "HttpOnly" in attributes and "SameSite=Lax" in attributes
        assert httpx.get(f"{served}/api/health",
                         headers={"cookie": f"{name}={value}"}).status_code == 200


def test_a_forged_or_stale_session_is_refused(small_ws):
    clock = FakeClock()
    secret = b"k" * 32
    first = Auth(TOKEN, secret=secret, clock=clock)
    with serve_http(create_app(small_ws, auth=first)) as url:
        name, value, _ = _session_cookie(_login(url))
        issued, _, mac = value.partition(".")
        for forged in (TOKEN, f"{int(issued) + 1}.{mac}", f"{issued}.{'0' * len(mac)}", ""):
            response = httpx.get(f"{url}/api/health", headers={"cookie": f"{name}={forged}"})
            assert response.status_code == 401, forged
        clock.advance(SESSION_MAX_AGE + 1)
        assert httpx.get(f"{url}/api/health",
                         headers={"cookie": f"{name}={value}"}).status_code == 401
    assert Auth(TOKEN, secret=secret, clock=FakeClock()).session_ok(value)  # same server key


def test_a_new_token_ends_every_session(small_ws):
    secret = b"k" * 32
    with serve_http(create_app(small_ws, auth=Auth(TOKEN, secret=secret))) as url:
        name, value, _ = _session_cookie(_login(url))
    renewed = Auth("a-completely-new-token-0123", secret=secret)
    with serve_http(create_app(small_ws, auth=renewed)) as url:
        response = httpx.get(f"{url}/api/health", headers={"cookie": f"{name}={value}"})
        assert response.status_code == 401
