"""``applens explain`` on the command line: the headline, the table, json/csv, one-line errors."""

import csv
import io
import json

import pandas as pd
import pytest


@pytest.fixture
def ws(run_cli, tmp_path):
    """Android 5.0 loses 30 of its 40 views on 2026-11-08; everything else is as a week before."""
    counts = {("2026-11-01", "Android", "5.0"): 40, ("2026-11-01", "Android", "4.9"): 20,
              ("2026-11-01", "iOS", "5.0"): 40, ("2026-11-08", "Android", "5.0"): 10,
              ("2026-11-08", "Android", "4.9"): 20, ("2026-11-08", "iOS", "5.0"): 40}
    rows = [{"ts": f"{day} 09:{i:02d}:00", "user_id": f"u{os}{v}{i}", "event": "view",
             "os": os, "app_version": v}
            for (day, os, v), n in counts.items() for i in range(n)]
    pd.DataFrame(rows).to_csv(tmp_path / "e.csv", index=False)
    folder = tmp_path / "ws"
    assert run_cli("init", folder).exit_code == 0
    assert run_cli("ingest", tmp_path / "e.csv", "-w", folder).exit_code == 0
    return folder


def test_explain_prints_the_headline_and_the_slices(run_cli, ws):
    result = run_cli("explain", "count:view", "--date", "2026-11-08", "--by", "os,app_version",
                     "-w", ws)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())  # the console wraps long lines
    assert text.startswith("count:view -30.0%: os=Android · app_version=5.0 explains 100.0% "
                           "of the drop. Baseline: 2026-11-01.")
    assert "-75.0%" in text  # Android 5.0's own change, 40 → 10


def test_explain_json_and_csv_carry_every_slice(run_cli, ws):
    out = json.loads(run_cli("explain", "dau", "--date", "2026-11-08", "--vs", "2026-11-01",
                             "-f", "json", "-w", ws).stdout)
    assert (out["value"], out["baseline_value"]) == (70, 100)
    assert out["slices"][0]["slice"] == "os=Android · app_version=5.0"
    rows = list(csv.DictReader(io.StringIO(run_cli(
        "explain", "dau", "--date", "2026-11-08", "-f", "csv", "-w", ws).stdout)))
    assert len(rows) == len(out["slices"]) == 2 + 2 + 3  # os, app_version, os × app_version


@pytest.mark.parametrize(("args", "message"), [
    (("dua", "--date", "2026-11-08"), "Did you mean 'dau'?"),
    (("dau", "--date", "2026-11-08", "--by", "oss"), "Did you mean 'os'?"),
    (("dau", "--date", "2026-12-24"), "No data for dau on 2026-12-24"),
])
def test_bad_input_is_one_line(run_cli, ws, args, message):
    result = run_cli("explain", *args, "-w", ws)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
