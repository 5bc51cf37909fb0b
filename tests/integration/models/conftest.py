"""One small demo workspace per session, trained once; tests that change it work on a copy."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from applens.demo import generate
from applens.ingest import ingest
from applens.workspace import Workspace

END = dt.date(2026, 11, 22)
USERS, DAYS, HORIZON = 1_500, 28, 7
TOML = f"""
[models.churn]
horizon_days = {HORIZON}

[models.personas]
k_max = 6
"""


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory) -> Path:
    """A demo workspace folder (1,500 users, 28 days) with every model trained."""
    folder = tmp_path_factory.mktemp("models-demo")
    generate(folder / "data", users=USERS, days=DAYS, seed=11, end_date=END)
    with Workspace.init(folder) as ws:
        (folder / "applens.toml").write_text(
            (folder / "applens.toml").read_text() + TOML, encoding="utf-8")
    with Workspace(folder) as ws:
        ingest(ws, folder / "data" / "events.parquet")
        ingest(ws, folder / "data" / "users.csv", table="users")
        from applens.models import train

        reports = train(ws)
        (folder / "reports.json").write_text(json.dumps(
            {n: {"metrics": r.metrics, "metadata": r.metadata} for n, r in reports.items()},
            default=str))
    return folder


@pytest.fixture(scope="session")
def reports(demo_ws) -> dict:
    return json.loads((demo_ws / "reports.json").read_text())


@pytest.fixture(scope="session")
def truth(demo_ws) -> dict:
    return json.loads((demo_ws / "data" / "ground_truth.json").read_text())


@pytest.fixture
def ws(demo_ws):
    """The shared trained workspace (read-only use)."""
    workspace = Workspace(demo_ws)
    yield workspace
    workspace.close()


@pytest.fixture
def ws_copy(demo_ws, tmp_path):
    """A private copy of the trained workspace, free to modify."""
    target = tmp_path / "copy"
    shutil.copytree(demo_ws, target, ignore=shutil.ignore_patterns("data", ".applens"))
    workspace = Workspace(target)
    yield workspace
    workspace.close()
