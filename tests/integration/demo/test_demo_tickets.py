"""The demo's support tickets: applens finds the planted complaint spike on the buggy
release, and the ticket models learn the planted labels."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from applens.demo.generate import generate
from applens.demo.job import DEMO_TICKET_MONITORS, _support
from applens.ingest import ingest
from applens.monitor import load_monitors
from applens.workspace import Workspace
from tests.conftest import invoke_cli


def cli(*args: object) -> str:
    result = invoke_cli(*args)
    assert result.exit_code == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout


def test_the_complaint_spike_after_the_buggy_release_is_found(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, users=1_500, days=21, seed=4)
    truth = json.loads((data / "tickets_truth.json").read_text())
    ws = tmp_path / "ws"
    cli("init", ws)
    cli("ingest", data / "events.parquet", "-w", ws)
    cli("ingest", data / "tickets.csv", "--table", "tickets", "-w", ws)

    versions = json.loads(cli("tickets", "releases", "-w", ws, "--format", "json"))
    jumped = [v["app_version"] for v in versions if v["jump"]]
    assert jumped == [truth["buggy_app_version"]]
    buggy = next(v for v in versions if v["app_version"] == truth["buggy_app_version"])
    assert buggy["negative_share"] > 2 * buggy["others_share"]

    daily = json.loads(cli("tickets", "metrics", "-w", ws, "--format", "json"))
    before = [d for d in daily if d["day"][:10] < truth["release"]]
    after = [d for d in daily if d["day"][:10] >= truth["release"]]
    share = lambda rows: sum(r["negative"] for r in rows) / sum(r["tickets"] for r in rows)  # noqa: E731
    assert share(after) > share(before) + 0.05  # the spike shows in the daily series too

    report = json.loads(cli("train", "tickets-type", "tickets-negativity", "-w", ws,
                            "--format", "json"))
    assert report["tickets-type"]["macro_f1"] > 0.9
    assert report["tickets-negativity"]["macro_f1"] > 0.6  # negative vs very negative blur
    meta = json.loads((ws / "models/tickets-type/v1/metadata.json").read_text())
    assert sorted(meta["labels"]) == sorted(truth["types"])
    assert set(meta["language_mix"]) >= {"en", "ru"}


@pytest.mark.parametrize("seed", [0, 3])
def test_the_demo_tickets_monitor_pages_on_the_buggy_release_in_its_first_days(tmp_path, seed):
    # The README-sized month (5,000 people, 35 days): a month is too short for an anomaly
    # detector's daily history; the share judge compares the versions' ticket counts.
    truth = generate(tmp_path / "data", users=5_000, days=35, seed=seed,
                     end_date=dt.date(2026, 11, 22))
    with Workspace.init(tmp_path) as ws:
        ingest(ws, tmp_path / "data" / "events.parquet")
        ingest(ws, tmp_path / "data" / "tickets.csv", table="tickets")
        finding = _support(ws, truth)
    planted = finding.data["planted"]
    (caught,) = finding.data["alerts"]  # one alert, and nothing else pages
    assert caught["series"] == f"app_version={planted['buggy_app_version']}"
    release = dt.date.fromisoformat(planted["release"])
    assert release <= dt.date.fromisoformat(caught["day"]) <= release + dt.timedelta(days=6)
    assert caught["value"] > 2 * caught["expected"]
    assert f"complaints on {planted['buggy_app_version']}" in finding.headline
    assert "MISSED" not in finding.headline


def test_the_demo_tickets_monitor_reads_as_it_would_in_applens_toml():
    (cfg,) = load_monitors(DEMO_TICKET_MONITORS).values()
    assert (cfg.tickets, cfg.detector, cfg.dimensions) == (
        "negative_share", "proportion", ["app_version"])
