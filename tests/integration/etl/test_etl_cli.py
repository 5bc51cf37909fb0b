"""``applens etl list / show / run`` on the command line: tables, JSON, the done dates."""

from __future__ import annotations

import json

from tests.integration.etl.conftest import job_toml

SMALL = dict(metrics='["dau", "count:view"]', dims='["os"]')


def test_list_show_and_run(run_cli, demo_ws):
    folder, declare = demo_ws
    empty = run_cli("etl", "list", "-w", folder)
    assert empty.exit_code == 0 and "No ETL jobs declared" in empty.stdout
    declare(job_toml("daily", **SMALL, extra="wide_view = true"))
    listed = json.loads(run_cli("etl", "list", "-f", "json", "-w", folder).stdout)
    assert listed == [{"job": "daily", "metrics": 2, "dimensions": 1, "grain": "day",
                       "target": "warehouse", "table": "etl_daily",
                       "schedule": "30 2 * * *"}]
    ran = run_cli("etl", "run", "daily", "--date", "2026-11-20", "-w", folder)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.startswith("daily 2026-11-20: ") and "warehouse table etl_daily" in ran.stdout
    shown = json.loads(run_cli("etl", "show", "daily", "-f", "json", "-w", folder).stdout)
    assert shown["dates_done"] == ["2026-11-20"] and shown["wide_view"] == "etl_daily_wide"
    assert "dates_done: 1 (2026-11-20 … 2026-11-20)" in run_cli(
        "etl", "show", "daily", "-w", folder).stdout
    both = run_cli("etl", "run", "daily", "--date", "2026-11-20", "--from", "2026-11-19",
                   "--to", "2026-11-20", "-w", folder)
    assert both.exit_code == 2  # a usage error
