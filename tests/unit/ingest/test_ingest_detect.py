import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from applens.engines.detect import detect
from applens.errors import SourceError


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_dialects_are_detected(tmp_path):
    assert detect(write(tmp_path / "a.csv", "ts,user_id\n1,2\n")).delimiter == ","
    assert detect(write(tmp_path / "b.tsv", "ts\tuser_id\n1\t2\n")).delimiter == "\t"
    info = detect(write(tmp_path / "c.csv", "ts;user_id;event\n1;2;3\n"))
    assert info.delimiter == ";" and info.columns == ("ts", "user_id", "event")


def test_gzip_and_bom_are_handled(tmp_path):
    path = tmp_path / "e.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\ufeffts,user_id\n1,2\n")
    info = detect(path)
    assert info.compression == "gzip" and info.columns == ("ts", "user_id")


def test_cp1251_text_is_recognised(tmp_path):
    text = "ts;user_id;event;city\n" + "".join(
        f"2024-01-0{d} 10:00:00;u{d};просмотр;Москва Санкт-Петербург Новосибирск\n"
        for d in range(1, 10))
    info = detect(write(tmp_path / "ru.csv", text, "cp1251"))
    assert info.encoding.replace("_", "").lower() in ("cp1251", "windows1251")


def test_parquet_content_is_recognised_whatever_the_name_says_when_declared(tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"ts": ["2024-01-01"], "user_id": ["u"]}), path)
    assert detect(path).format == "parquet"


def test_a_csv_named_parquet_is_refused_with_a_hint(tmp_path):
    path = write(tmp_path / "events.parquet", "ts,user_id\n1,2\n")
    with pytest.raises(SourceError,
                       match=r"named or declared as PARQUET.*content is CSV.*--format csv"):
        detect(path)
    assert detect(path, "csv").format == "csv"


def test_binary_garbage_empty_and_missing_files_are_refused(tmp_path):
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    with pytest.raises(SourceError, match="binary file"):
        detect(binary)
    with pytest.raises(SourceError, match=r"empty \(0 bytes\)"):
        detect(write(tmp_path / "empty.csv", ""))
    with pytest.raises(SourceError, match="does not exist"):
        detect(tmp_path / "nope.csv")
    with pytest.raises(SourceError, match="is a folder"):
        detect(tmp_path)


def test_duplicate_header_names_are_refused(tmp_path):
    with pytest.raises(SourceError, match="duplicate column names.*user_id"):
        detect(write(tmp_path / "d.csv", "ts,user_id,user_id\n1,2,3\n"))


@pytest.mark.parametrize("text, encoding", [
    ("группа;ctr\nA;0.5\n", "cp1251"),
    ("город;Москва\n", "koi8_r"),
    ("name,city\nJosé,Zürich\n", "cp1252"),
])
def test_short_legacy_encoded_files_are_recognised(tmp_path, text, encoding):
    path = write(tmp_path / "short.csv", text, encoding)
    assert path.read_bytes().decode(detect(path).encoding) == text  # cp1250 reads José too
