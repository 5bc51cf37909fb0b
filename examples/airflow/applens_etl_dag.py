"""Apache Airflow DAG: materialise applens metrics by slice every day, with retries and
catch-up.

Each task calls the applens CLI (BashOperator), so Airflow needs no applens in its own
environment and applens needs no Airflow in its:

- ``etl_<job>``: ``applens etl run <job> --date <the run's day>`` for every job in
  ``APPLENS_ETL_JOBS``; re-running a day replaces its rows (one transaction), so Airflow's
  retries, clears and catch-up runs are safe;
- ``check_<job>``: ``applens etl show <job>``, which fails when the target is unreachable.

Environment (set in the scheduler's and workers' environment, or in a .env):

- ``APPLENS_WORKSPACE``: the workspace folder (applens.toml with the ``[etl.<job>]`` tables);
- ``APPLENS``: the command that runs applens (default ``applens``; e.g.
  ``/opt/applens/.venv/bin/applens``);
- ``APPLENS_ETL_JOBS``: comma-separated job names (default ``daily_slices``);
- ``APPLENS_ETL_START``: the first day catch-up fills (default 2026-11-01).

The schedule is daily at 00:00 UTC over the day before (a data-interval timetable: the run
for day D starts once D is over, and ``catchup=True`` fills every day since the start).
Check it with ``airflow dags test applens_etl 2026-11-21``: a manual run's interval ends at
the date given, so that run materialises 2026-11-20. Tested with Airflow 3.3.2
(tests/integration/etl/test_airflow_example.py).
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

JOBS = [j.strip() for j in os.environ.get("APPLENS_ETL_JOBS", "daily_slices").split(",")
        if j.strip()]
START = dt.datetime.fromisoformat(os.environ.get("APPLENS_ETL_START", "2026-11-01")).replace(
    tzinfo=dt.UTC)
DAY = "{{ data_interval_start.strftime('%Y-%m-%d') }}"  # the day this run materialises
APPLENS = '${APPLENS:-applens} '  # word-split on purpose: "python -m applens" works too

with DAG(
    dag_id="applens_etl",
    description="applens metrics by slice into the ETL target, one day per run",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START,
    catchup=True,
    max_active_runs=1,  # one day at a time: backfills stay in date order
    default_args={"retries": 3, "retry_delay": dt.timedelta(minutes=5),
                  "retry_exponential_backoff": True},
    tags=["applens"],
) as dag:
    for job in JOBS:
        run = BashOperator(task_id=f"etl_{job}",
                           bash_command=APPLENS + f"etl run {job} --date {DAY}")
        check = BashOperator(task_id=f"check_{job}", bash_command=APPLENS + f"etl show {job}")
        run >> check
