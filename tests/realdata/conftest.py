"""The real-data suite: every set in ../shared/data through the CLI, as a new user runs it.

Each workspace is built once per session (init, ingest, train, predict, report) and the
tests assert against what those commands printed and wrote. ``pytest -m realdata`` runs the
folder alone; the published figures come from each set's PROVENANCE.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, CliResult, invoke_cli

HERE = Path(__file__).parent
RETAIL = SHARED_DATA / "online_retail"
LOGS = SHARED_DATA / "apache_access_logs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.realdata)


def clean(result: CliResult, *args: object) -> CliResult:
    """Exit 0 and no traceback on either stream."""
    assert result.exit_code == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text, (args, text[-3000:])
    return result


def cli(*args: object) -> CliResult:
    return clean(invoke_cli(*args), *args)


@dataclass
class Built:
    """A workspace built from one real file, with what each command said."""

    path: Path
    ingest: dict
    steps: dict[str, CliResult] = field(default_factory=dict)

    def report_dir(self) -> Path:
        (folder,) = sorted((self.path / "reports").glob("report-*"))
        return folder


def build(factory: pytest.TempPathFactory, name: str, source: Path, *ingest_args: object,
          models: bool = True, toml: str = "") -> Built:
    folder = factory.mktemp(name) / "ws"
    cli("init", folder)
    if toml:
        with (folder / "applens.toml").open("a", encoding="utf-8") as file:
            file.write(toml)
    ingested = json.loads(cli("ingest", source, *ingest_args, "-w", folder,
                              "--format", "json").stdout)
    (summary,) = ingested
    built = Built(folder, summary)
    commands = (("train",), ("predict", "--top", "3"), ("report",)) if models else ()
    for command in commands:
        built.steps[command[0]] = cli(*command, "-w", folder)
    return built


def session_workspace(name: str, source: Path, *args: object, **options: object
                      ) -> Callable[..., Built]:
    @pytest.fixture(scope="session", name=name)
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Built:
        if not source.exists():
            pytest.fail(f"{source} is missing: tests expect ../shared beside the checkout")
        return build(tmp_path_factory, name, source, *args, **options)

    return fixture


UDACITY_EXPERIMENT = """
[experiments.landing_page]
events_column = "group"
where = "(\\"group\\" = 'treatment') = (event = 'new_page')"
variants = ["control", "treatment"]
start = 2017-01-01
end = 2017-01-26
metrics = ["mean:converted"]
"""

retail_2011 = session_workspace(
    "retail_2011", RETAIL / "online_retail_2010_2011_no_invoice.parquet",
    "--map", "ts=InvoiceDate", "--map", "user_id=CustomerID", "--map", "event=const:purchase",
    "--where", "Quantity > 0 AND CustomerID IS NOT NULL")
retail_2009 = session_workspace(
    "retail_2009", RETAIL / "online_retail_II_2009_2010.parquet",
    "--map", "ts=InvoiceDate", "--map", "user_id=Customer ID", "--map", "event=const:purchase",
    "--where", 'Quantity > 0 AND "Customer ID" IS NOT NULL')
apache = session_workspace("apache", LOGS / "apache_logs", "--preset", "combined-log")
almhuette = session_workspace("almhuette", LOGS / "almhuette_raith_short.log",
                              "--preset", "combined-log")
cookie_cats = session_workspace("cookie_cats", SHARED_DATA / "cookie_cats" / "cookie_cats.csv",
                                "--table", "users")
udacity = session_workspace(
    "udacity", SHARED_DATA / "udacity_ab_data" / "ab_data.csv.gz",
    "--map", "ts=timestamp", "--map", "event=landing_page", toml=UDACITY_EXPERIMENT)
cohorts = session_workspace(
    "cohorts", SHARED_DATA / "codeup_curriculum" / "cohorts_project-curriculum.csv",
    "--table", "users", "--map", "user_id=id")

ALL = ["retail_2011", "retail_2009", "apache", "almhuette", "cookie_cats", "udacity", "cohorts"]


@pytest.fixture(params=ALL)
def built(request: pytest.FixtureRequest) -> Built:
    """Each real workspace in turn."""
    return request.getfixturevalue(request.param)
