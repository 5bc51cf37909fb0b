"""Model cutoffs are UTC instants whatever the server's local time zone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src"
CHECK = """
from datetime import date, datetime, timezone, timedelta
import pandas as pd
from applens.models._common import to_cutoff
from applens.models.bots import _utc
cases = {
    "2026-11-08T00:00:00+00:00": datetime(2026, 11, 8),
    "2026-11-08T00:00:00Z": datetime(2026, 11, 8),
    "2026-11-08T03:00:00+03:00": datetime(2026, 11, 8),
    "2026-11-08": datetime(2026, 11, 8),
}
for text, want in cases.items():
    assert to_cutoff(text) == want, (text, to_cutoff(text))
aware = datetime(2026, 11, 8, 5, tzinfo=timezone(timedelta(hours=5)))
assert to_cutoff(aware) == datetime(2026, 11, 8)
assert to_cutoff(pd.Timestamp("2026-11-08T00:00:00+00:00")) == datetime(2026, 11, 8)
assert to_cutoff(date(2026, 11, 8)) == datetime(2026, 11, 8)
assert _utc is to_cutoff  # one helper for every model
print("ok")
"""


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_cutoffs_parse_to_utc_in_any_server_zone(zone):
    env = {**os.environ, "TZ": zone, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
