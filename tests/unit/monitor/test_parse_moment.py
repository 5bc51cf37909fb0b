"""One parser for monitor times: the CLI's --from/--to/--since and the labels file."""

from __future__ import annotations

from datetime import datetime

import pytest

from applens.errors import DataError, InvalidParameterError
from applens.monitor.backtest import parse_moment


def test_an_offset_is_converted_to_utc_not_dropped():
    assert parse_moment("2026-11-28T13:00+02:00", "--from") == datetime(2026, 11, 28, 11, 0)
    assert parse_moment("2026-11-28T13:00Z", "--from") == datetime(2026, 11, 28, 13, 0)


def test_a_date_and_a_space_separated_time_read_as_utc():
    assert parse_moment(" 2026-11-28 ", "x") == datetime(2026, 11, 28)
    assert parse_moment("2026-11-28 13:15", "x") == datetime(2026, 11, 28, 13, 15)


def test_bad_text_names_where_and_raises_the_callers_error():
    with pytest.raises(DataError, match=r"labels.csv row 2 column start: 'soon'"):
        parse_moment("soon", "labels.csv row 2 column start")
    with pytest.raises(InvalidParameterError, match=r"--to: 'tomorrow' is not a date"):
        parse_moment("tomorrow", "--to", InvalidParameterError)
