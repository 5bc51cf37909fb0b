"""Find numbers a person cannot read in rendered text: more than 4 significant digits after a
decimal point (``0.0785554361``, ``1093227.0``) or scientific notation (``4.54e+03``).
Whole numbers (counts, ids), dates, times, IP addresses and version strings are left alone."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DOTTED = re.compile(r"\d+(?:\.\d+){2,}")  # IPs, versions (4.9.0)
_DATES = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                    r"(?:Z|[+-]\d{2}:?\d{2})?|\b\d{1,2}:\d{2}(?::\d{2})?\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of an HTML page a reader sees (no scripts, no styles)."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def unreadable_numbers(text: str) -> list[str]:
    """Every number in ``text`` shown with too many digits or in scientific notation."""
    text = _DATES.sub(" ", _DOTTED.sub(" ", text))
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group(0)
        mantissa, _, exponent = token.lower().partition("e")
        if exponent and int(exponent) > 0:
            found.append(token)
            continue
        if "." in mantissa:
            digits = re.sub(r"\D", "", mantissa).lstrip("0")
            if len(digits) > 4:
                found.append(token)
    return found
