"""`metrics --metric active` shows what each grain means: DAU/WAU/MAU per day, WAU and a
rolling MAU per week, MAU alone per month (not three identical columns)."""

from __future__ import annotations

import datetime as dt
import json

import pytest


@pytest.fixture
def ws(run_cli, tmp_path):
    path = tmp_path / "ws"
    assert run_cli("init", path).exit_code == 0
    rows = ["ts,user_id,event"]
    for offset in range(60):  # ten users, one active a day, over two months
        day = dt.date(2025, 10, 1) + dt.timedelta(days=offset)
        rows.append(f"{day} 10:00:00,u{offset % 10},view")
    (tmp_path / "e.csv").write_text("\n".join(rows) + "\n")
    assert run_cli("ingest", tmp_path / "e.csv", "-w", path).exit_code == 0
    return path


def _columns(run_cli, ws, interval):
    result = run_cli("metrics", "-w", ws, "--interval", interval, "--from", "2025-10-01",
                     "--to", "2025-11-29", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return data


def test_month_grain_shows_monthly_active_users_once(run_cli, ws):
    data = _columns(run_cli, ws, "month")
    assert data["periods"] == ["2025-10-01", "2025-11-01"]
    assert data["mau"] == [10, 10] and "dau" not in data and "wau" not in data


def test_week_grain_shows_weekly_and_rolling_monthly(run_cli, ws):
    data = _columns(run_cli, ws, "week")
    assert "wau" in data and "mau" in data and "dau" not in data
    assert data["wau"][2] == 7 and data["mau"][-1] == 10  # a whole week; 30 rolling days


def test_day_grain_keeps_dau_wau_mau(run_cli, ws):
    data = _columns(run_cli, ws, "day")
    assert data["dau"][:3] == [1, 1, 1] and data["wau"][10] == 7 and data["mau"][40] == 10


def test_month_table_has_one_count_column(run_cli, ws):
    result = run_cli("metrics", "-w", ws, "--interval", "month", "--from", "2025-10-01",
                     "--to", "2025-11-29")
    assert result.exit_code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "period" in line)
    assert "mau" in header and "dau" not in header and "wau" not in header
