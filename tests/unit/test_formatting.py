"""Every formatter on edge values: missing, zero, negative, tiny, huge, float noise."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from applens import formatting as fm

MISSING = [None, float("nan"), np.float64("nan"), pd.NA, pd.NaT]


def significant(text: str) -> int:
    digits = re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0")
    return len(digits)


@pytest.mark.parametrize("value, text", [
    (1093227.0, "1,093,227"), (1093227, "1,093,227"), (np.int64(12), "12"), (0, "0"),
    (-4200.4, "-4,200"), (2.5, "2"), (3.5, "4"),
])
def test_count(value, text):
    assert fm.count(value) == text


@pytest.mark.parametrize("value, text", [
    (0.0785554361, "0.0786"), (20.000000000000004, "20"), (1093227.0, "1,093,227"),
    (4540.3, "4,540"), (12345.6, "12,346"), (2.400326205146792, "2.4"), (0.0, "0"),
    (-0.00820127, "-0.0082"), (0.09996, "0.1"), (999.96, "1,000"), (1.23456e-8, "1.23e-08"),
    (0.000123456, "0.000123"), (np.float32(0.5), "0.5"), (True, "1"),
])
def test_number(value, text):
    assert fm.number(value) == text


@pytest.mark.parametrize("value", MISSING)
def test_missing_is_n_a_everywhere_and_empty_in_cells(value):
    for formatter in (fm.count, fm.number, fm.percent, fm.pp, fm.effect, fm.lift,
                      fm.p_value, fm.duration):
        assert formatter(value) == "n/a"
    assert fm.cell(value) == ""
    assert fm.ci(value, 1.0) == "n/a"


def test_infinities_are_symbols_not_inf():
    assert fm.number(float("inf")) == "∞" and fm.count(-math.inf) == "-∞"
    assert fm.cell(float("inf")) == "∞"


@pytest.mark.parametrize("value, text", [
    (0.1204, "12.0%"), (0.11876, "11.9%"), (1.0, "100.0%"), (0, "0.0%"), (0.00043, "0.043%"),
    (-0.5, "-50.0%"), (12.3456, "1,234.6%"),
])
def test_percent(value, text):
    assert fm.percent(value) == text


def test_signed_formats():
    assert fm.pp(0.0123) == "+1.2 pp" and fm.pp(-0.0004) == "0.0 pp"
    assert fm.effect(0.0436123) == "+0.0436" and fm.effect(-0.0133) == "-0.0133"
    assert fm.effect(0) == "0"
    assert fm.lift(0.052) == "+5.2%" and fm.lift(-0.0131) == "-1.3%"
    assert fm.ci(-0.013284, -0.003121) == "[-0.0133, -0.00312]"
    assert fm.ci(0.01, 0.2, fm.lift) == "[+1.0%, +20.0%]"


@pytest.mark.parametrize("value, text", [
    (0.19, "0.19"), (0.0016, "0.0016"), (0.00861, "0.00861"), (0.0744138, "0.0744"),
    (1.0, "1"), (1.0000000002, "1"), (0.0001, "0.0001"), (0.0000999, "< 0.0001"),
    (1e-30, "< 0.0001"), (0.0, "< 0.0001"), (0.05, "0.05"),
])
def test_p_value(value, text):
    assert fm.p_value(value) == text
    assert "e" not in fm.p_value(value)


def test_p_in_a_sentence():
    assert fm.p_equals(0.00861) == "p=0.00861" and fm.p_equals(1.18e-9) == "p<0.0001"
    assert fm.p_equals(None) == "p=n/a"


@pytest.mark.parametrize("seconds, text", [
    (0.4, "0.4 s"), (45, "45 s"), (59.94, "60 s"), (750, "12.5 min"), (3600, "1 h"),
    (11520, "3.2 h"), (181440, "2.1 d"), (dt.timedelta(minutes=90), "1.5 h"),
    (np.timedelta64(30, "s"), "30 s"), (0, "0 s"),
])
def test_duration(seconds, text):
    assert fm.duration(seconds) == text


def test_cells_by_value_and_column():
    assert fm.cell(1093227.0, "rows_loaded") == "1,093,227"
    assert fm.cell(123456, "ingest_id") == "123456" and fm.cell(2026, "year") == "2026"
    assert fm.cell(0.00003, "p_value") == "< 0.0001" and fm.cell(0.1234, "p_adjusted") == "0.123"
    assert fm.cell(0.0785554361, "lift") == "0.0786"
    assert fm.cell(pd.Timestamp("2026-11-01")) == "2026-11-01"
    assert fm.cell(pd.Timestamp("2026-11-01 10:30")) == "2026-11-01 10:30"
    assert fm.cell(dt.date(2026, 11, 1)) == "2026-11-01"
    assert fm.cell(pd.Timedelta(seconds=45)) == "45 s"
    assert fm.cell(["a", 0.123456]) == "a; 0.123"
    assert fm.cell("[bold]x") == "[bold]x" and fm.cell(np.bool_(True)) == "True"


def test_frame_cells_never_exceed_four_significant_digits_for_non_counts():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"share": rng.random(50), "effect": rng.normal(0, 1e-3, 50),
                          "p_value": rng.random(50) ** 8})
    for row in fm.frame_cells(frame):
        for text in row:
            assert significant(text) <= 4 or "<" in text, text


def test_metric_value_reads_a_share_as_a_percentage_and_anything_else_as_a_number():
    from applens.formatting import metric_value, number

    assert metric_value(0.516, "share") == "51.6%"
    assert metric_value(0.516) == number(0.516) == "0.516"
    assert metric_value(float("nan"), "share") == metric_value(float("nan")) == "n/a"
