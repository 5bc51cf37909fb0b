"""The upload page does what ``applens ingest`` does: the same mapping grammar and errors, a
preview of the mapped rows that writes nothing, and the ingest summary in shared formats."""

from __future__ import annotations

import html as html_lib
import re

HTML = {"accept": "text/html"}
BLANK_HEADER = (b"ts,user_id,event,,country\n2026-11-06T10:00:00Z,b1,view,x,DE\n"
                b"2026-11-06T11:00:00Z,b2,like,,FR\n")


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


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


# -- mapping fields, preview, errors -----------------------------------------------------
SPLIT = (b"date,time,uid,action,plan\n2026-11-06,10:00:00,s1,view,pro\n"
         b"2026-11-06,11:30:00,s2,like,free\nyesterday,12:00:00,s3,view,free\n")
SPLIT_MAP = {"map_ts": "date+time", "map_user_id": "uid", "map_event": "action"}


def _snapshot(ws) -> tuple:
    con = ws.connection
    counts = tuple(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                   for t in ("events", "ingests", "rejects"))
    files = sorted((str(p.relative_to(ws.path)), p.stat().st_size)
                   for p in ws.path.rglob("*") if p.is_file())
    return counts, files


def test_every_canonical_column_has_a_labelled_mapping_field(small_client):
    from html.parser import HTMLParser

    from applens.schema import TABLES

    html = small_client.get("/upload", headers=HTML).text
    for spec in TABLES.values():
        for name in spec.names:
            assert re.search(rf'name="map_{name}"[^>]*data-table="{spec.name}"|'
                             rf'data-table="{spec.name}"[^>]*name="map_{name}"', html), name

    class Fields(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth, self.unlabelled, self.ids, self.fors = 0, [], set(), set()

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "label":
                self.depth += 1
                self.fors.add(a.get("for"))
            if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden",
                                                                                "submit"):
                self.ids.add(a.get("id"))
                if not self.depth and not a.get("id"):
                    self.unlabelled.append(a.get("name"))

        def handle_endtag(self, tag):
            if tag == "label":
                self.depth -= 1

    parser = Fields()
    parser.feed(html)
    assert not parser.unlabelled
    for preset in ("preset", "where", "max_rejects"):
        assert f'name="{preset}"' in html
    assert "combined-log" in html  # the presets are offered


def test_a_preview_shows_the_mapped_rows_and_writes_nothing(small_client, small_ws):
    before = _snapshot(small_ws)
    response = small_client.post("/upload", headers=HTML,
                                 files={"file": ("split.csv", SPLIT)},
                                 data={**SPLIT_MAP, "action": "preview"})
    assert response.status_code == 200
    text = _text(response.text)
    assert _snapshot(small_ws) == before
    assert 'id="preview"' in response.text
    assert "CSV" in text and "utf-8" in text and "comma" in text
    assert "ts <- date+time" in text
    assert "2026-11-06 10:00 " in text and "2026-11-06 11:30 " in text  # shared formatting
    assert "1 of 3 rows would be rejected" in text
    assert "ts is not a timestamp" in text and "yesterday 12:00:00" in text
    assert "plan" in text  # kept as a property
    # the header fills the mapping fields' choices
    assert '<option value="uid">' in response.text
    assert 'value="date+time"' in response.text  # the fields keep what was typed


def test_an_upload_maps_date_plus_time(small_client, small_ws):
    html = small_client.post("/upload", headers=HTML, files={"file": ("split.csv", SPLIT)},
                             data=SPLIT_MAP).text
    assert 'id="rows-read">3<' in html and 'id="rows-loaded">2<' in html
    assert 'id="rows-rejected">1<' in html and 'id="rows-filtered">0<' in html
    rows = small_ws.connection.execute(
        "SELECT user_id, strftime(ts, '%Y-%m-%d %H:%M'), event FROM events "
        "WHERE user_id LIKE 's%' ORDER BY ts").fetchall()
    assert rows == [("s1", "2026-11-06 10:00", "view"), ("s2", "2026-11-06 11:30", "like")]
    assert "1 × ts is not a timestamp" in _text(html)  # the worst rejects by reason


def _cli_error(tmp_path, content: bytes, *maps: str) -> str:
    import os
    import subprocess
    import sys

    from applens.workspace import Workspace

    Workspace.init(tmp_path / "cli-ws").close()
    source = tmp_path / "split.csv"
    source.write_bytes(content)
    args = [a for m in maps for a in ("--map", m)]
    done = subprocess.run([sys.executable, "-m", "applens", "ingest", str(source), *args,
                           "-w", str(tmp_path / "cli-ws")], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "2000"}, timeout=120)
    assert done.returncode == 1
    return " ".join(done.stderr.split())


def test_a_wrong_mapping_reads_like_the_cli(small_client, small_ws, tmp_path):
    before = _snapshot(small_ws)
    for action in ("preview", "ingest"):
        response = small_client.post(
            "/upload", headers=HTML, files={"file": ("split.csv", SPLIT)},
            data={**SPLIT_MAP, "map_user_id": "usr", "action": action})
        assert response.status_code == 422
        web = _text(response.text)
        cli = _cli_error(tmp_path, SPLIT, "ts=date+time", "user_id=usr", "event=action")
        # the same sentences; the CLI names the path it was given, the page the file's name
        head = "The mapping user_id = 'usr' names a column that"
        tail = cli[cli.index(" does not have."):]
        assert head in cli and head in web and tail in web, (cli, web)
        assert "that split.csv does not have" in web  # the file as chosen, not its copy
    response = small_client.post("/upload", headers=HTML, files={"file": ("split.csv", SPLIT)},
                                 data={**SPLIT_MAP, "map_event": "const:"})
    cli = _cli_error(tmp_path, SPLIT, "ts=date+time", "user_id=uid", "event=const:")
    assert response.status_code == 422
    assert cli[cli.index("has no value after"):] in _text(response.text)
    assert _snapshot(small_ws) == before


def test_const_event_where_and_counts_in_shared_formats(small_client, small_ws):
    lines = ["InvoiceDate,Customer ID,Quantity,Price"]
    lines += [f"2026-11-0{1 + i % 7} 09:{i % 60:02d}:00,c{i % 50},{-1 if i % 10 == 0 else 2},1.5"
              for i in range(1200)]
    body = ("\n".join(lines) + "\n").encode()
    data = {"map_ts": "InvoiceDate", "map_user_id": "Customer ID",
            "map_event": "const:purchase", "where": "Quantity > 0", "max_rejects": "1%"}
    preview = _text(small_client.post("/upload", headers=HTML,
                                      files={"file": ("orders.csv", body)},
                                      data={**data, "action": "preview"}).text)
    assert "event <- const:purchase" in preview
    assert "1 of 10 rows would be left out by the filter" in preview
    html = small_client.post("/upload", headers=HTML, files={"file": ("orders.csv", body)},
                             data=data).text
    assert 'id="rows-read">1,200<' in html and 'id="rows-loaded">1,080<' in html
    assert 'id="rows-filtered">120<' in html
    assert small_ws.connection.execute(
        "SELECT count(*), min(event), max(event) FROM events WHERE event = 'purchase'"
    ).fetchall() == [(1080, "purchase", "purchase")]


def test_the_preset_reads_an_access_log(small_client):
    log = (b'1.2.3.4 - - [06/Nov/2026:10:05:03 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl"\n'
           b"garbage line\n")
    html = small_client.post("/upload", headers=HTML, files={"file": ("access.log", log)},
                             data={"preset": "combined-log", "action": "preview"}).text
    text = _text(html)
    assert "combined-log" in text and "2026-11-06 10:05:03" in text
    assert "1 of 2 rows would be rejected" in text


def test_the_api_takes_the_same_fields(small_client):
    body = small_client.post("/api/upload/preview", files={"file": ("split.csv", SPLIT)},
                             data=SPLIT_MAP).json()
    assert body["ok"] is True and body["preview"]["rows_rejected"] == 1
    assert body["preview"]["source_columns"] == ["date", "time", "uid", "action", "plan"]
    body = small_client.post("/api/upload", files={"file": ("split.csv", SPLIT)},
                             data=SPLIT_MAP).json()
    assert body["ingest"]["rows_loaded"] == 2
    bad = small_client.post("/api/upload", files={"file": ("split.csv", SPLIT)},
                            data={**SPLIT_MAP, "max_rejects": "many"})
    assert bad.status_code == 400 and "--max-rejects" in bad.json()["error"]["message"]
