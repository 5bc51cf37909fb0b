"""Event names become count features: every name its own column, whatever its script."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from applens.ingest import ingest
from applens.models._options import FeatureOptions
from applens.models.features import common_events, event_columns, user_features

EVENTS = ["Открыть экран", "Закрыть экран", "Купить", "購入", "Open screen", "open_screen",
          "events"]


def test_russian_and_cjk_names_get_distinct_readable_columns():
    columns = event_columns(EVENTS)
    assert columns["Открыть экран"] == "n_otkryt_ekran"
    assert columns["Закрыть экран"] == "n_zakryt_ekran"
    assert columns["Купить"] == "n_kupit"
    assert columns["購入"].startswith("n_") and columns["購入"] != "n_event"
    assert columns["Open screen"] == "n_open_screen" and columns["open_screen"] == "n_open_screen_2"
    assert columns["events"] == "n_events_2"  # n_events is the total
    assert len(set(columns.values())) == len(EVENTS)


def test_user_features_count_each_russian_event_apart(workspace, tmp_path):
    counts = {"Открыть экран": 3, "Закрыть экран": 2, "Купить": 1, "購入": 4}
    rows = [(datetime(2026, 3, 2, 10, i, n), "u1", event)
            for i, (event, k) in enumerate(counts.items()) for n in range(k)]
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["ts", "user_id", "event"]).to_csv(path, index=False)
    ingest(workspace, path)
    cutoff, opts = datetime(2026, 3, 3), FeatureOptions()
    kinds = common_events(workspace, cutoff, opts)
    assert set(kinds) == set(counts)
    frame = user_features(workspace, cutoff, opts, kinds).frame
    columns = event_columns(kinds)
    assert {event: int(frame.loc["u1", columns[event]]) for event in counts} == counts
