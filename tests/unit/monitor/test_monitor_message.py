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


def _at(monitor: str, series: str, value: float, expected: float, score: float,
        minutes: int = 0) -> Notice:
    start = START + timedelta(minutes=minutes)
    verdict = SliceVerdict(start, value, expected, expected * 0.8, expected * 1.2, score, True)
    return Notice("opened", monitor, series, verdict, {"slice_start": start})


def test_a_line_says_how_unusual_and_links_the_chart():
    # score 0.75 is ratio 3: three times as far off as the detector's near-record.
    _title, body = render_text([_at("views", "os=iOS", 10, 100, 0.75)], {}, {},
                               links={"views": "https://lens.example.com/"})
    assert "; 3x as far off as its usual worst" in body
    assert ("Chart: https://lens.example.com/page/anomalies?date_from=2026-10-31"
            "&date_to=2026-11-02&slice_key=os&slice_value=iOS") in body
    _title, plain = render_text([_at("views", "os=iOS", 10, 100, 0.75)], {}, {})
    assert "Chart:" not in plain  # no dashboard address, no link


def test_the_total_is_told_under_the_slice_that_moved_it():
    child = _at("views_by_os", "os=iOS", 10, 100, 0.8)
    total = _at("views", "all", 160, 250, 0.6, minutes=15)
    sibling_late = _at("views", "all", 160, 250, 0.6, minutes=180)
    title, body = render_text([total, child], {}, {}, parents={"views": ["views_by_os"]})
    lines = body.splitlines()
    assert title == "applens: 1 anomaly"  # one incident, not a parent and a child alert
    assert lines[0].startswith("- NEW drop **views_by_os** () · os=iOS")
    assert lines[1].startswith("  - with it, the total: NEW drop **views** ()")
    assert len(lines) == 2
    # Three hours apart, or without the hierarchy, they are separate alerts.
    title2, _ = render_text([sibling_late, child], {}, {}, parents={"views": ["views_by_os"]})
    assert title2 == "applens: 2 anomalies"
    title3, _ = render_text([total, child], {}, {})
    assert title3 == "applens: 2 anomalies"


def test_a_share_monitor_writes_its_values_as_percentages():
    notice = _notice(0.516, 0.148, 0.0, 0.31)
    _title, body = render_text([notice], {}, {}, units={"crash_rate": "share"})
    assert "value 51.6%, expected 14.8% (range 0.0%–31.0%)" in body
    _title, plain = render_text([notice], {}, {}, units={"other": "share"})
    assert f"value {number(0.516)}, expected {number(0.148)}" in plain


def test_a_share_judge_line_says_its_p_value_not_how_unusual():
    from applens.formatting import p_equals, percent

    verdict = SliceVerdict(START, 0.59, 0.15, 0.08, 0.24, 0.75, True, 0.000321)
    notice = Notice("opened", "complaints", "app_version=5.0.0", verdict, {"slice_start": START})
    _title, body = render_text([notice], {}, {"complaints": timedelta(days=1)},
                               units={"complaints": "share"})
    assert f"value {percent(0.59)}, expected {percent(0.15)}" in body
    assert body.rstrip().endswith(f"; {p_equals(0.000321)}") and "p=0.000321" in body
    assert "as far off" not in body
    tiny = SliceVerdict(START, 0.59, 0.15, 0.08, 0.24, 0.75, True, 1e-9)
    _title, body = render_text([Notice("opened", "complaints", "all", tiny,
                                       {"slice_start": START})], {}, {})
    assert "; p<0.0001" in body and "e-" not in body
