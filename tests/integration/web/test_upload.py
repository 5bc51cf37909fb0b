"""The upload page: a good file adds data, a bad one shows its rejected rows."""

from __future__ import annotations

HTML = {"accept": "text/html"}
GOOD = b"ts,user_id,event\n2026-11-06T10:00:00Z,new1,view\n2026-11-06T11:00:00Z,new2,like\n"
BAD = (b"ts,user_id,event\n2026-11-06T10:00:00Z,new1,view\nnot-a-date,new2,view\n"
       b"2026-11-06T12:00:00Z,,view\n")


def test_the_upload_form(small_client):
    html = small_client.get("/upload", headers=HTML).text
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
    assert "0.0625 MiB" in html  # the limit is shown


def test_a_good_file_adds_data(small_client, small_ws):
    before = small_ws.connection.execute("SELECT count(*) FROM events").fetchall()[0][0]
    html = small_client.post("/upload", headers=HTML,
                             files={"file": ("good.csv", GOOD)}, data={"table": "events"}).text
    assert 'id="rows-loaded">2<' in html and 'id="rows-rejected">0<' in html
    after = small_ws.connection.execute("SELECT count(*) FROM events").fetchall()[0][0]
    assert after == before + 2
    ingests = small_client.get("/api/pages/data").json()["tables"]
    assert any("good.csv" in str(r["source"]) for t in ingests if t["id"] == "ingests"
               for r in t["rows"])


def test_a_bad_file_shows_its_rows_errors(small_client):
    response = small_client.post("/upload", headers=HTML, files={"file": ("bad.csv", BAD)})
    assert response.status_code == 200
    html = response.text
    assert 'id="rows-loaded">1<' in html and 'id="rows-rejected">2<' in html
    assert 'class="data rejects"' in html
    assert "not-a-date" in html
    assert "<td>3</td>" in html and "<td>4</td>" in html  # file lines of the bad rows


def test_the_api_upload_returns_rejects(small_client):
    body = small_client.post("/api/upload", files={"file": ("bad.csv", BAD)}).json()
    assert body["ok"] is True and body["ingest"]["rows_rejected"] == 2
    assert {r["column"] for r in body["rejects"]} == {"ts", "user_id"}


def test_a_file_without_required_columns_is_a_clear_error(small_client):
    response = small_client.post("/upload", headers=HTML,
                                 files={"file": ("cols.csv", b"a,b\n1,2\n")})
    assert response.status_code == 422
    assert "upload-error" in response.text and "ts" in response.text
    api = small_client.post("/api/upload", files={"file": ("cols.csv", b"a,b\n1,2\n")})
    assert api.status_code == 422 and api.json()["error"]["type"] == "SchemaError"


def test_an_unknown_file_type_is_refused(small_client):
    response = small_client.post("/api/upload", files={"file": ("x.exe", b"MZ")})
    assert response.status_code == 400
    assert "CSV" in response.json()["error"]["message"]
    response = small_client.post("/api/upload", files={"file": ("x.csv", GOOD)},
                                 data={"table": "../../etc"})
    assert response.status_code == 400


def test_the_same_file_twice_adds_nothing(small_client):
    small_client.post("/upload", headers=HTML, files={"file": ("good.csv", GOOD)})
    html = small_client.post("/upload", headers=HTML, files={"file": ("again.csv", GOOD)}).text
    assert "Already ingested" in html
