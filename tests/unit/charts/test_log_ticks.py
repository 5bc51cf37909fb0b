"""The bots scatter's log axes read 1, 2, 5, 10 … 1k, 2k (issue 17 item 10): every tick label
is distinct and readable whatever the range (was: "0k, 0k, 1k, 1k, 2k")."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from applens.charts import svg_text
from applens.charts._common import log_ticks
from applens.charts.bots import bot_scatter

READABLE = re.compile(r"^(0|[125]0{0,2}(?:k|M|G)?)$")


def _axis_labels(svg: str) -> list[list[str]]:
    groups = re.findall(r'class="mark-text role-axis-label"(.*?)</g>', svg, re.S)
    return [re.findall(r"<text[^>]*>([^<]*)</text>", group) for group in groups]


@pytest.mark.parametrize("largest", [3, 30, 1_500, 2_200, 90_000, 3e6, 4.5e9])
def test_log_axis_labels_are_distinct_and_readable(largest):
    frame = pd.DataFrame({"user_id": range(40), "events_per_day": np.geomspace(1, 400, 40),
                          "median_gap_seconds": np.linspace(0, largest, 40)})
    axes = _axis_labels(svg_text(bot_scatter(frame)))
    assert len(axes) == 2
    for labels in axes:
        assert len(labels) >= 3
        assert len(set(labels)) == len(labels), labels
        assert all(READABLE.match(label) for label in labels), " ".join(labels)
        shown = [label for label in labels if label != "0"][:3]
        assert shown == ["1", "2", "5"][:len(shown)], labels


def test_log_ticks_reach_the_largest_value():
    for largest in (0.5, 7, 1_000, 123_456):
        ticks = log_ticks(largest)
        assert ticks[0] == 0 and ticks == sorted(set(ticks))
        assert ticks[-1] <= max(largest, 1) * 1.05 < ticks[-1] * 2.5 + 1

