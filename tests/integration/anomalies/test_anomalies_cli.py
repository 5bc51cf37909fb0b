"""``applens anomalies score|list`` end to end, in-process."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from applens.cli import main


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture()
def metric_csv(tmp_path):
    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-03-01", periods=14 * 96, freq="15min")
    hour = ts.hour + ts.minute / 60
    shape = 1 + 0.5 * np.sin((hour.to_numpy() - 9) / 24 * 2 * np.pi)
    dau = 500 * shape * (1 + 0.03 * rng.standard_normal(len(ts)))
    dau[1200] *= 0.2  # outage slice
    path = tmp_path / "dau.csv"
    pd.DataFrame({"slice": ts.strftime("%Y-%m-%d %H:%M:%S"), "dau": dau.round(1)}).to_csv(
        path, index=False
    )
    return path


def test_score_csv_one_row_per_input_row(capsys, metric_csv):
    code, out, _ = _run(capsys, "anomalies", "score", str(metric_csv), "--timestamp-col", "slice",
                        "--value-col", "dau", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 14 * 96
    assert list(rows[0]) == [
        "timestamp", "value", "anomaly_score", "is_alert", "expected", "lower", "upper",
        "status",
    ]
    assert rows[1200]["is_alert"] == "1"
    scores = [float(r["anomaly_score"]) for r in rows]
    assert min(scores) >= 0 and max(scores) <= 1
    assert sum(r["is_alert"] == "1" for r in rows) <= 6


def test_score_json_and_detector_option(capsys, metric_csv):
    code, out, _ = _run(capsys, "anomalies", "score", str(metric_csv), "--timestamp-col", "slice",
                        "--value-col", "dau", "--detector", "simple", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 14 * 96 and rows[0]["timestamp"] == "2024-03-01T00:00:00"
    assert sum(r["is_alert"] for r in rows) > 20  # the seed rule is noisy


def test_guard_option_silences_alerts(capsys, metric_csv):
    code, out, _ = _run(capsys, "anomalies", "score", str(metric_csv), "--timestamp-col", "slice",
                        "--value-col", "dau", "--min-abs-change", "100000", "--format", "json",
                        "--alerts-only")
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--value-col", "dua"], "Did you mean 'dau'"),
        (["--value-col", "dau", "--detector", "seasnal"], "Did you mean 'seasonal'"),
        (["--value-col", "dau", "--param", "memory=-1"], "'memory' parameter"),
    ],
)
def test_user_errors_exit_1_with_message(capsys, metric_csv, args, message):
    code, _, err = _run(capsys, "anomalies", "score", str(metric_csv),
                        "--timestamp-col", "slice", *args)
    assert code == 1
    assert "Error:" in err and message in err


def test_bad_timestamp_names_row(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,value\n2024-01-01 00:00,1\nyesterday,2\n")
    code, _, err = _run(capsys, "anomalies", "score", str(path))
    assert code == 1 and "row 2" in err and "yesterday" in err


def test_list_shows_registry(capsys):
    code, out, _ = _run(capsys, "anomalies", "list", "--format", "json")
    assert code == 0
    names = [r["name"] for r in json.loads(out)]
    assert names == ["default", "levelshift", "seasonal", "simple"]
