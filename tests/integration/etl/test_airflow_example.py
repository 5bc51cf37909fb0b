"""examples/airflow runs under a current Apache Airflow, in Airflow's own virtual environment
(never the project's), with ``airflow dags test`` against a demo workspace.

The environment is built once under ``$APPLENS_AIRFLOW_CACHE`` (default
``~/.cache/applens-airflow``, outside git) with ``pip install apache-airflow==VERSION``.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from applens.workspace import Workspace
from tests.integration.etl.conftest import job_toml

pytestmark = pytest.mark.slow

AIRFLOW_VERSION = "3.3.2"
ROOT = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("APPLENS_AIRFLOW_CACHE", Path.home() / ".cache" / "applens-airflow"))


def airflow_venv() -> Path:
    """The Airflow virtual environment (built on first use; pip's output on failure)."""
    venv = CACHE / f"venv-{AIRFLOW_VERSION}"
    airflow = venv / "bin" / "airflow"
    if airflow.exists():
        return airflow
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q",
                          f"apache-airflow=={AIRFLOW_VERSION}"],
                         capture_output=True, text=True, timeout=1800)
    assert pip.returncode == 0, f"installing Airflow failed:\n{pip.stderr[-3000:]}"
    return airflow


def test_the_airflow_dag_materialises_the_day_with_dags_test(demo_ws, tmp_path):
    folder, declare = demo_ws
    declare(job_toml("daily_slices", metrics='["dau", "count:view", "ratio:like/view"]',
                     dims='["os", "person.gender"]'))
    airflow = airflow_venv()
    home = tmp_path / "airflow-home"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTHON"))},
           "AIRFLOW_HOME": str(home),
           "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "examples" / "airflow"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           # applens runs from this checkout with the project's interpreter, not Airflow's.
           "APPLENS": f"{sys.executable} -m applens",
           "PYTHONPATH": str(ROOT / "src"),
           "APPLENS_WORKSPACE": str(folder),
           "APPLENS_ETL_JOBS": "daily_slices"}
    for args in (["db", "migrate"], ["dags", "test", "applens_etl", "2026-11-21"]):
        run = subprocess.run([str(airflow), *args], env=env, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    assert "state=success" in run.stdout + run.stderr
    with Workspace(folder) as ws:
        rows = ws.connection.execute(
            "SELECT date, count(*) FROM etl_daily_slices GROUP BY 1").fetchall()
        runs = ws.connection.execute(
            "SELECT date, row_count FROM etl_daily_slices_runs").fetchall()
    assert rows == runs == [(dt.date(2026, 11, 20), rows[0][1])] and rows[0][1] > 10
