"""One strict JSON serialiser: every dtype a result can hold comes out as valid JSON."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from applens.serialize import dumps, to_jsonable


def _refuse(constant: str) -> None:
    raise ValueError(f"not JSON: {constant}")


def strict_loads(text: str):
    return json.loads(text, parse_constant=_refuse)


def every_dtype_frame() -> pd.DataFrame:
    ts = pd.to_datetime(["2026-11-01 10:30:00", None, "2026-11-03 00:00:05"])
    return pd.DataFrame({
        "int": np.array([1, 2, 3], dtype="int64"),
        "float": [0.5, float("nan"), float("inf")],
        "neg_inf": [-np.inf, 1.25, 2.0],
        "bool": [True, False, True],
        "Int64": pd.array([1, None, 3], dtype="Int64"),
        "boolean": pd.array([True, None, False], dtype="boolean"),
        "string": pd.array(["a", None, "c"], dtype="string"),
        "category": pd.Categorical(["x", "y", None]),
        "naive": ts,
        "aware": ts.tz_localize("UTC").tz_convert("Europe/Moscow"),
        "delta": pd.to_timedelta(["1 day 2 hours", None, "3s"]),
        "decimal": [Decimal("1.10"), Decimal("NaN"), Decimal("7")],
        "object": [{"k": {1, 2}}, None, [np.int32(4), np.float32("nan")]],
    })


def test_every_dtype_of_a_frame_is_strict_json():
    text = dumps(every_dtype_frame())
    rows = strict_loads(text)
    assert [r["int"] for r in rows] == [1, 2, 3]
    assert [r["float"] for r in rows] == [0.5, None, None]
    assert rows[0]["neg_inf"] is None
    assert [r["bool"] for r in rows] == [True, False, True]
    assert [r["Int64"] for r in rows] == [1, None, 3]
    assert [r["boolean"] for r in rows] == [True, None, False]
    assert [r["string"] for r in rows] == ["a", None, "c"]
    assert [r["category"] for r in rows] == ["x", "y", None]
    assert [r["naive"] for r in rows] == ["2026-11-01T10:30:00", None, "2026-11-03T00:00:05"]
    assert rows[0]["aware"] == "2026-11-01T13:30:00+03:00" and rows[1]["aware"] is None
    assert dt.datetime.fromisoformat(rows[2]["aware"]) == dt.datetime(
        2026, 11, 3, 0, 0, 5, tzinfo=dt.UTC)
    assert pd.Timedelta(rows[0]["delta"]) == pd.Timedelta(hours=26)
    assert rows[1]["delta"] is None
    assert [r["decimal"] for r in rows] == [1.1, None, 7]
    assert rows[0]["object"] == {"k": [1, 2]} and rows[2]["object"] == [4, None]


def test_a_dict_of_every_scalar_is_strict_json():
    @dataclass(frozen=True)
    class Result:
        p_value: float
        when: dt.date

    value = {
        "nan": float("nan"), "inf": float("-inf"), "np_nan": np.float64("nan"),
        "np_int": np.int64(7), "np_float": np.float32(0.25), "np_bool": np.bool_(True),
        "na": pd.NA, "nat": pd.NaT, "np_nat": np.datetime64("NaT"),
        "dt64": np.datetime64("2026-11-01T00:00:00.000000000"),
        "td64": np.timedelta64(90, "s"), "timedelta": dt.timedelta(minutes=5),
        "timestamp": pd.Timestamp("2026-11-01 12:00", tz="UTC"),
        "date": dt.date(2026, 11, 1), "decimal": Decimal("0.1"),
        "set": {"b", "a"}, "frozenset": frozenset({3, 1}), "tuple": (1, float("nan")),
        "array": np.array([1.5, np.nan]), "series": pd.Series([1, None], dtype="Int64"),
        "result": Result(float("nan"), dt.date(2026, 1, 2)),
        dt.date(2026, 1, 1): "date key", 5: "int key",
    }
    out = strict_loads(dumps(value))
    assert out["nan"] is None and out["inf"] is None and out["np_nan"] is None
    assert out["np_int"] == 7 and out["np_float"] == 0.25 and out["np_bool"] is True
    assert out["na"] is None and out["nat"] is None and out["np_nat"] is None
    assert out["dt64"] == "2026-11-01T00:00:00"  # not 1793491200000000000
    assert pd.Timedelta(out["td64"]) == pd.Timedelta(seconds=90)
    assert pd.Timedelta(out["timedelta"]) == pd.Timedelta(minutes=5)
    assert out["timestamp"] == "2026-11-01T12:00:00+00:00"
    assert out["date"] == "2026-11-01" and out["decimal"] == 0.1
    assert out["set"] == ["a", "b"] and out["frozenset"] == [1, 3]
    assert out["tuple"] == [1, None] and out["array"] == [1.5, None]
    assert out["series"] == [1, None]
    assert out["result"] == {"p_value": None, "when": "2026-01-02"}
    assert out["2026-01-01"] == "date key" and out["5"] == "int key"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), pd.NaT, pd.NA, None])
def test_missing_scalars_are_null(value):
    assert dumps(value) == "null"
    assert to_jsonable(value) is None
