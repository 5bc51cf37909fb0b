"""``explain``'s ranking on hand-built slice tables: the drill-down rule puts the most
specific explaining slice (a pair holding most of its parent's change) first."""

from __future__ import annotations

import pandas as pd
import pytest

from applens.insights._attribution import rank

# Baseline: app_version 4.9 is 530 of 1,000 (Android 370, iOS 160), 5.0 is 470 (300, 170).
BASE = {("Android", "4.9"): 370, ("iOS", "4.9"): 160, ("Android", "5.0"): 300,
        ("iOS", "5.0"): 170}


def _frame(now: dict[tuple[str, str], float]) -> pd.DataFrame:
    """The per-slice table explain hands to rank: os, app_version and their pair."""
    cells = pd.DataFrame([{"os": o, "app_version": v, "now": now[o, v], "base": b}
                          for (o, v), b in BASE.items()])
    parts = []
    for dims in (("os",), ("app_version",), ("os", "app_version")):
        slices = cells.assign(slice=cells.apply(
            lambda r, d=dims: " · ".join(f"{k}={r[k]}" for k in d), axis=1))
        part = slices.groupby("slice", as_index=False)[["now", "base"]].sum()
        part.insert(0, "dimension", " × ".join(dims))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _ranked(now: dict[tuple[str, str], float]) -> pd.DataFrame:
    return rank(_frame(now), min_contribution=0.1, margin=0.15, enough=0.67)


def test_the_child_holding_the_change_ranks_above_its_noisy_parent():
    # Android 4.9 loses 200 (the outage); iOS 4.9 loses 40 and 5.0 gains 40 (noise).
    # app_version=4.9: 120 % of the drop at 53 % (excess 0.67); the pair: 100 % at 37 %
    # (excess 0.63). By excess alone the parent came first.
    out = _ranked({("Android", "4.9"): 170, ("iOS", "4.9"): 120, ("Android", "5.0"): 320,
                   ("iOS", "5.0"): 190}).set_index("slice")
    parent, child = out.loc["app_version=4.9"], out.loc["os=Android · app_version=4.9"]
    assert (parent["contribution"], parent["baseline_share"]) == (
        pytest.approx(1.2), pytest.approx(0.53))
    assert (child["contribution"], child["baseline_share"]) == (
        pytest.approx(1.0), pytest.approx(0.37))
    assert parent["explains"] and child["explains"]
    assert parent["contribution"] - parent["baseline_share"] > (
        child["contribution"] - child["baseline_share"])
    order = list(out.index)
    assert order[0] == "os=Android · app_version=4.9"
    assert order.index("app_version=4.9") == 1
    assert not out.loc["os=iOS · app_version=4.9", "explains"]


def test_a_child_holding_too_little_of_its_parent_does_not_outrank_it():
    # 4.9 loses 240, split 150 Android / 90 iOS: the Android pair holds 62 % of its parent's
    # contribution (< 80 %), so the whole version stays the answer.
    out = _ranked({("Android", "4.9"): 220, ("iOS", "4.9"): 70, ("Android", "5.0"): 300,
                   ("iOS", "5.0"): 170}).set_index("slice")
    child = out.loc["os=Android · app_version=4.9"]
    assert child["explains"]
    assert child["contribution"] / out.loc["app_version=4.9", "contribution"] < 0.8
    assert list(out.index)[0] == "app_version=4.9"


def test_a_pair_that_holds_the_whole_change_still_outranks_its_parent_by_excess():
    # Only Android 4.9 moves: the pair's excess is already the larger, as before the rule.
    out = _ranked({("Android", "4.9"): 170, ("iOS", "4.9"): 160, ("Android", "5.0"): 300,
                   ("iOS", "5.0"): 170})
    assert list(out["slice"])[:3] == ["os=Android · app_version=4.9", "app_version=4.9",
                                      "os=Android"]
