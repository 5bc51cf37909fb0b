import json

import pytest

from applens.errors import SourceError
from applens.ingest.frame import read_frame


def test_small_files_read_with_sniffed_dialect_encoding_and_types(tmp_path):
    (tmp_path / "a.csv").write_bytes("группа;ctr\nA;0,5\nB;1.5\n".replace("0,5", "0.5")
                                     .encode("cp1251"))
    frame = read_frame(tmp_path / "a.csv")
    assert list(frame.columns) == ["группа", "ctr"] and frame["ctr"].dtype.kind == "f"
    (tmp_path / "b.jsonl").write_text(json.dumps({"g": "A", "x": 1}) + "\n"
                                      + json.dumps({"g": "B", "x": 2}) + "\n")
    assert read_frame(tmp_path / "b.jsonl")["x"].tolist() == [1, 2]
    (tmp_path / "c.json").write_text(json.dumps([{"g": "A", "x": 3}]))
    assert read_frame(tmp_path / "c.json")["x"].tolist() == [3]


def test_mislabelled_and_missing_files_get_the_ingest_messages(tmp_path):
    (tmp_path / "a.parquet").write_text("g,x\nA,1\n")
    with pytest.raises(SourceError, match="content is CSV"):
        read_frame(tmp_path / "a.parquet")
    with pytest.raises(SourceError, match="does not exist"):
        read_frame(tmp_path / "nope.csv")
