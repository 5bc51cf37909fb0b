"""Spec validation: every bad spec is a one-line QueryError naming the field."""

from __future__ import annotations

import pytest

from applens.errors import QueryError
from applens.insights import parse_spec, run
from applens.insights.spec import FunnelSpec


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"kind": "activ_users"}, "'kind'"),
        ({"math": ["dau"]}, "'kind': missing"),
        ({"kind": "funnel", "stepz": []}, "'stepz' is not a funnel option. Did you mean 'steps'?"),
        ({"kind": "active_users", "math": ["daily"]}, "'math.0'"),
        ({"kind": "active_users", "timezone": "Mars/Base"}, "'timezone'"),
        ({"kind": "trends", "series": [{"math": "sum"}]}, "needs math_property"),
        ({"kind": "active_users", "properties": [{"key": "os", "operator": "gt", "value": "x"}]},
         "'properties.0'"),
        ({"kind": "funnel", "steps": [{"event": "a"}, {"event": "b"}],
          "exclusions": [{"event": "x", "from_step": 1, "to_step": 1}]}, "from_step < to_step"),
        ({"kind": "lifecycle", "breakdown": {"property": "os"}}, "breakdown"),
    ],
)
def test_bad_specs_name_the_field(spec, needle):
    with pytest.raises(QueryError) as info:
        parse_spec(spec)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message


def test_valid_spec_defaults():
    spec = parse_spec({"kind": "funnel", "steps": [{"event": "a"}, {"event": "b"}]})
    assert isinstance(spec, FunnelSpec)
    assert spec.conversion_window.value == 14 and spec.conversion_window.unit == "day"
    assert spec.order == "ordered" and spec.breakdown_limit == 25


def test_date_from_after_date_to(make_con):
    con = make_con([("a", "2024-01-01", "x")])
    with pytest.raises(QueryError, match="'date_from'.*after date_to"):
        run({"kind": "active_users", "date_from": "2024-02-01", "date_to": "2024-01-01"}, con)


def test_missing_property_is_named(make_con):
    con = make_con([("a", "2024-01-01", "x", "ios")], ("user_id", "ts", "event", "os"))
    spec = {"kind": "active_users", "date_from": "2024-01-01", "date_to": "2024-01-02",
            "properties": [{"key": "oss", "value": ["ios"]}]}
    with pytest.raises(QueryError, match=r"'properties.0.key'.*'oss'.*Did you mean 'os'"):
        run(spec, con)
    spec = {"kind": "active_users", "date_from": "2024-01-01", "date_to": "2024-01-02",
            "breakdown": {"type": "person", "property": "gender"}}
    with pytest.raises(QueryError, match="'breakdown.property'.*users table"):
        run(spec, con)


def test_millions_of_periods_rejected(make_con):
    con = make_con([("a", "2024-01-01", "x")])
    spec = {"kind": "active_users", "interval": "hour", "date_from": "1990-01-01",
            "date_to": "2024-01-01"}
    with pytest.raises(QueryError, match="'interval'"):
        run(spec, con)


def test_unknown_formula_series(make_con):
    con = make_con([("a", "2024-01-01", "x")])
    spec = {"kind": "trends", "series": [{"event": "x"}], "formula": "A / B",
            "date_from": "2024-01-01", "date_to": "2024-01-01"}
    with pytest.raises(QueryError, match="unknown series 'B'"):
        run(spec, con)
