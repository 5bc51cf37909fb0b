"""The checker the report and dashboard tests use finds raw floats and leaves the rest."""

from tests.support.numbers import unreadable_numbers, visible_text


def test_flags_raw_floats_and_scientific_notation():
    text = "lift 0.0785554361, rows 1093227.0, events 4.54e+03 and 20.000000000000004"
    assert unreadable_numbers(text) == ["0.0785554361", "1093227.0", "4.54e+03",
                                        "20.000000000000004"]


def test_leaves_counts_ids_dates_ips_versions_and_short_numbers():
    text = ("1,093,227 users; ingest 123456; 2026-11-01 10:30:00; 188.37.243.185; 4.9.0; "
            "0.0786; 12.0%; +1.2 pp; p < 0.0001; u000277; 1.23e-08")
    assert unreadable_numbers(text) == []


def test_visible_text_skips_scripts():
    html = "<p>0.5</p><script>var x = 0.123456789;</script><style>a{width:1.23456px}</style>"
    assert visible_text(html).strip() == "0.5"
