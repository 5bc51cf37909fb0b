"""One URL redactor for database sources, ClickHouse and notification channels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from applens._urls import redact_url
from applens.ingest.sources import db_source
from applens.notify import Delivery

SRC = Path(__file__).resolve().parents[2] / "src"


def _calls_redact_url(function: ast.FunctionDef) -> bool:
    """A thin wrapper (a named policy such as notify.redact_channel) is allowed."""
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "redact_url"
               for n in ast.walk(function))


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://app:s3cret@DB.example.com:5432/shop?sslpassword=x#frag",
     "postgresql://app@db.example.com:5432/shop"),
    ("mysql://root@127.0.0.1/app", "mysql://root@127.0.0.1/app"),
    ("clickhouse://default:pa%40ss@ch:8123/analytics", "clickhouse://default@ch:8123/analytics"),
    ("clickhouse://[::1]:8123/db", "clickhouse://[::1]:8123/db"),
    ("postgresql://:only-a-password@host/db", "postgresql://host/db"),
    ("no scheme here", "<not a URL>"),
])
def test_passwords_queries_and_fragments_never_show(url, shown):
    assert redact_url(url) == shown


@pytest.mark.parametrize(("url", "shown"), [
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234", "tgram://***/…"),
    ("slack://TokenA/TokenB/TokenC/#general", "slack://tokena/…"),
    ("mailto://user:app-password@gmail.com", "mailto://gmail.com/…"),
    ("pover://userkey@apptoken", "pover://apptoken/…"),
    ("json://127.0.0.1:8080/hook?secret=1", "json://127.0.0.1:8080/…"),
])
def test_channel_urls_keep_only_scheme_and_a_plain_host(url, shown):
    assert redact_url(url, path=False, user=False) == shown


def test_every_caller_uses_it():
    source = db_source("postgresql+psycopg://app:s3cret@db:5432/shop", table="events",
                       query=None)
    assert source.label == "postgresql://app@db:5432/shop#events"
    failed = Delivery(failed={"tgram://123:SECRET/-100": "HTTP 401"})
    with pytest.raises(Exception, match=r"tgram://\*\*\*/…: HTTP 401") as caught:
        failed.raise_for_failure()
    assert "SECRET" not in str(caught.value)
    private = []
    for file in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.FunctionDef) and "redact" in node.name
                    and file.name != "_urls.py" and not _calls_redact_url(node)):
                private.append(f"{file.relative_to(SRC)}:{node.lineno} {node.name}")
    assert private == []
