"""URLs safe to print: one redactor for database, ClickHouse and notification URLs.

A URL in a message, a log line or the ingest ledger keeps what tells a person which server
it is (scheme, user name, host, port and, for databases, the path) and loses what lets
someone else use it: the password, the query string and the fragment. A host that is not a
plain host name (Telegram's ``bot-id:secret`` sits where a host would be) is masked.

Stdlib only: this sits in the bottom layer, beside config, engines and notify.
"""

from __future__ import annotations

import re

__all__ = ["redact_url"]

_HOST = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")
MASK = "***"


def redact_url(url: str, *, path: bool = True, user: bool = True) -> str:
    """``url`` without its secrets; ``path=False`` and ``user=False`` also drop the path
    (shown as ``/…``) and the user name, for URLs that carry tokens there (Apprise)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        return "<not a URL>"
    rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.rpartition(":") if ":" in hostport.split("]")[-1] else (
        hostport, "", "")
    if not _HOST.fullmatch(host) or (colon and not port.isdigit()):
        host, colon, port = MASK, "", ""
    shown = f"{host.lower()}{colon}{port}"
    if user and at and userinfo.split(":", 1)[0]:
        shown = f"{userinfo.split(':', 1)[0]}@{shown}"
    if not path:
        return f"{scheme}://{shown}/…"
    return f"{scheme}://{shown}{slash}{tail}"
