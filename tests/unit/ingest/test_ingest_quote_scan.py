"""The pre-read quote scan: whether a CSV may hold a line that leaves a quote open.

Blocks without a quote are not split into lines (on a 900 MiB file that split was ~0.5 of
the scan's ~1.1 CPU-s); a line cut by a block boundary is still counted whole."""

import pytest

from applens.engines import repair


@pytest.mark.parametrize("chunk", [4, 7, 16, 1 << 20])
@pytest.mark.parametrize(("text", "expected"), [
    ('a,b\n1,2\n3,4\n', False),
    ('a,b\n1,"x,y"\n3,4\n', False),                # quotes that pair up on their line
    ('a,b\n1,"x\ny"\n3,4\n', True),                # a quoted field over two lines
    ('a,b\n1,2\n3,4\n5,"open', True),              # an open quote on the last line
    ('a,b\n1,2\n3,"abcdefgh,ijklmnop\n5,6\n', True),  # cut by a block with no quote
    ('a,b\n1,2\x00\n', True),                       # a NUL byte
])
def test_needs_scan_sees_odd_quotes_and_nul_across_blocks(tmp_path, monkeypatch, chunk, text,
                                                          expected):
    monkeypatch.setattr(repair, "CHUNK", chunk)
    path = tmp_path / "e.csv"
    path.write_bytes(text.encode())
    assert repair._needs_scan(path, compressed=False) is expected
