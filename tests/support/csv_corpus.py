"""Malformed and odd CSV files with the rows a careful reader must get out of each.

Each case: file bytes, data records in the file (what ``rows_read`` must be), the rows that
are valid, and the source lines that must be rejected. Shared by the ingest tests and the
test that every reading path (ingest, --events, frames) reads them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER = b"ts,user_id,event\n"


def row(i: int, event: str = "view") -> bytes:
    return f"2024-06-01 10:00:{i:02d},u{i},{event}\n".encode()


def rows(*numbers: int) -> bytes:
    return b"".join(row(i) for i in numbers)


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    records: int  # data records in the file: rows_read must equal this
    loaded: int
    rejected_lines: tuple[int, ...]  # file lines (the header is line 1)
    events: tuple[str, ...] = ()  # when given: every loaded event, in file order


CASES = (
    Case("unclosed_quote", HEADER + rows(1, 2) + b'2024-06-01 10:00:03,u3,"vi\n'
         + rows(4, 5, 6, 7, 8, 9), 9, 8, (4,)),
    Case("unclosed_quote_closed_later", HEADER + rows(1, 2) + b'2024-06-01 10:00:03,u3,"vi\n'
         + rows(4, 5) + b'2024-06-01 10:00:06,u6,"a, b"\n' + rows(7), 7, 6, (4,),
         ("view", "view", "view", "view", "a, b", "view")),
    Case("newline_inside_quotes", HEADER + rows(1) + b'2024-06-01 10:00:02,u2,"two\nlines"\n'
         + rows(3), 3, 3, (), ("view", "two\nlines", "view")),
    Case("extra_and_missing_fields", HEADER + rows(1) + b"2024-06-01 10:00:02,u2,view,x\n"
         + rows(3) + b"2024-06-01 10:00:04,u4\n" + rows(5), 5, 3, (3, 5)),
    Case("utf8_bom", b"\xef\xbb\xbf" + HEADER + rows(1, 2), 2, 2, ()),
    Case("crlf", (HEADER + rows(1, 2, 3)).replace(b"\n", b"\r\n"), 3, 3, (),
         ("view", "view", "view")),
    Case("cr_only", (HEADER + rows(1, 2, 3)).replace(b"\n", b"\r"), 3, 3, (),
         ("view", "view", "view")),
    Case("nul_byte", HEADER + rows(1) + b"2024-06-01 10:00:02,u2,vi\x00ew\n" + rows(3),
         3, 2, (3,)),
    Case("truncated_last_line", HEADER + rows(1, 2) + b"2024-06-01 10:00:03,u3", 3, 2, (4,)),
    Case("mixed_encodings", HEADER + row(1, "caf\u00e9") + b"2024-06-01 10:00:02,u2,caf\xe9\n"
         + row(3, "\u00fcber"), 3, 2, (3,), ("caf\u00e9", "\u00fcber")),
)
