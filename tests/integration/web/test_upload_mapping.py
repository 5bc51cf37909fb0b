"""The upload page does what ``applens ingest`` does: the same mapping grammar and errors, a
preview of the mapped rows that writes nothing, and the ingest summary in shared formats."""

from __future__ import annotations

import re

HTML = {"accept": "text/html"}
BLANK_HEADER = (b"ts,user_id,event,,country\n2026-11-06T10:00:00Z,b1,view,x,DE\n"
                b"2026-11-06T11:00:00Z,b2,like,,FR\n")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_blank_header_cell_is_named_like_ingest_names_it(small_client, small_ws):
    html = small_client.post("/upload", headers=HTML,
                             files={"file": ("blank.csv", BLANK_HEADER)}).text
    assert 'id="rows-loaded">2<' in html, _text(html)[-600:]
    columns = {r[0] for r in small_ws.connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'events'").fetchall()}
    assert "column_4" in columns
    assert small_ws.connection.execute(
        "SELECT column_4 FROM events WHERE user_id = 'b1'").fetchall() == [("x",)]
    assert "nan" not in _text(html).split()
