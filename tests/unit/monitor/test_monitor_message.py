"""Alert messages write numbers with the shared formatting.number (no scientific notation)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from applens.formatting import number
from applens.monitor.judge import Notice, SliceVerdict
from applens.monitor.message import render_text

START = datetime(2026, 11, 2, 10, 0)


def _notice(value: float, expected: float, lower: float, upper: float) -> Notice:
    verdict = SliceVerdict(START, value, expected, lower, upper, 5.0, True)
    return Notice("opened", "crash_rate", "all", verdict, {"slice_start": START})


def test_values_are_written_with_formatting_number():
    notice = _notice(0.0000123, 0.000456, 0.0000301, 1234.5)
    _title, body = render_text([notice], {"crash_rate": "crashes per session"},
                               {"crash_rate": timedelta(minutes=15)})
    assert not re.search(r"\de-\d", body)
    assert (f"value {number(0.0000123)}, expected {number(0.000456)} "
            f"(range {number(0.0000301)}–{number(1234.5)})") in body


def test_a_missing_value_reads_n_a():
    notice = _notice(math.nan, 5.67, 1.0, 9.0)
    _title, body = render_text([notice], {}, {})
    assert f"value n/a, expected {number(5.67)}" in body
