"""Encodings with known text: what detection picks must decode the file exactly."""

import pytest

from applens.engines.detect import detect
from applens.engines.files import read_table
from tests.support.encoding_corpus import CASES, TEXTS, csv_text


@pytest.mark.parametrize(("language", "encoding"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_the_detected_encoding_decodes_the_text_exactly(tmp_path, language, encoding):
    path = tmp_path / "events.csv"
    path.write_bytes(csv_text(language).encode(encoding))  # utf-16 writes its BOM
    info = detect(path)
    assert path.read_bytes().decode(info.encoding).lstrip("\ufeff") == csv_text(language)
    table = read_table(path)
    assert table.column("event").to_pylist() == TEXTS[language]
