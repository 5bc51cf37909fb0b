"""CONTRIBUTING.md stays true: each worked example is written, exactly as printed, into a
temporary folder that joins its package's path (as if the file were in src/), and the
registry must pick it up with nothing else edited; then the component runs end to end."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from starlette.testclient import TestClient

from applens.anomalies import DETECTORS, get_detector
from applens.cli import app as cli_app
from applens.cli._registry import COMMANDS
from applens.ingest import ingest
from applens.insights import KINDS, query
from applens.models import MODELS, predict, train
from applens.monitor.share_judges import SHARE_JUDGES
from applens.registry import Registry
from applens.report import build_report
from applens.report._registry import SECTIONS
from applens.web import create_app
from applens.web.pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(r"```python\n# (src/applens/[\w/]+\.py)\n(.*?)```", re.S)


def _examples() -> dict[str, str]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    return {path: code for path, code in EXAMPLE.findall(text)}


def test_every_family_has_a_worked_example():
    folders = {str(Path(p).parent) for p in _examples()}
    assert folders == {"src/applens/anomalies", "src/applens/models", "src/applens/insights",
                       "src/applens/report/sections", "src/applens/web/pages",
                       "src/applens/cli", "src/applens/monitor/share_judges"}


@contextmanager
def installed(tmp_path: Path, path: str, registry: Registry[Any]) -> Iterator[list[str]]:
    """The example at ``path`` as a module of its package; yields the names it registered."""
    relative = Path(path).relative_to("src")
    package_name = ".".join(relative.parent.parts)
    folder = tmp_path / "overlay" / relative.parent
    folder.mkdir(parents=True, exist_ok=True)
    (folder / relative.name).write_text(_examples()[path], encoding="utf-8")
    package = importlib.import_module(package_name)
    before = set(registry.names())
    package.__path__.append(str(folder))
    try:
        registry.discover()  # what the first read of the registry does in a fresh process
        yield sorted(set(registry.names()) - before)
    finally:
        package.__path__.remove(str(folder))
        for name in set(registry.names()) - before:
            del registry[name]
        sys.modules.pop(f"{package_name}.{relative.stem}", None)
        if hasattr(package, relative.stem):
            delattr(package, relative.stem)


EVENTS = [  # user, day of October 2026, event
    *[(f"u{i}", 1 + i % 5, "app_open") for i in range(20)],
    *[(f"u{i}", 6 + i % 3, "view") for i in range(20)],
    *[("u0", day, "view") for day in range(1, 21)],
    *[("u1", day, "like") for day in range(1, 16)],
]


@pytest.fixture
def ws(workspace, tmp_path):
    frame = pd.DataFrame(EVENTS, columns=["user_id", "day", "event"])
    frame["ts"] = [f"2026-10-{d:02d}T09:{i % 60:02d}:00Z" for i, d in enumerate(frame["day"])]
    path = tmp_path / "events.csv"
    frame[["ts", "user_id", "event"]].to_csv(path, index=False)
    ingest(workspace, path)
    return workspace


def test_the_detector_example(tmp_path, run_cli):
    with installed(tmp_path, "src/applens/anomalies/flat_line.py", DETECTORS) as added:
        assert added == ["flat-line"] and DETECTORS["flat-line"].name == "flat-line"
        listed = run_cli("anomalies", "list", "--format", "json")
        assert listed.exit_code == 0
        assert "flat-line" in {row["name"] for row in json.loads(listed.stdout)}
        values = [3.0, 5, 4, 6, 7, 7, 7, 7, 8, 9]
        alerts = get_detector("flat-line", n=3).fit_detect(values).alert
        assert list(alerts.nonzero()[0]) == [6, 7]  # the third and fourth 7 in a row
    assert "flat-line" not in DETECTORS


def test_the_model_example(tmp_path, ws, run_cli):
    with installed(tmp_path, "src/applens/models/heavy_users.py", MODELS) as added:
        assert added == ["heavy-users"]
        assert "heavy-users" in run_cli("train", "--help").stdout
        report = train(ws, "heavy-users")["heavy-users"]
        assert report.version == "v1" and report.metrics["users"] == 20
        scores = predict(ws, "heavy-users")["heavy-users"]
        assert set(scores.loc[scores["label"] == "heavy", "entity_id"]) == {"u0", "u1"}
    assert "heavy-users" not in MODELS


def test_the_insight_kind_example(tmp_path, ws):
    with installed(tmp_path, "src/applens/insights/new_users.py", KINDS) as added:
        assert added == ["new_users"]
        result = query({"kind": "new_users", "date_from": "2026-10-01",
                        "date_to": "2026-10-07"}, ws)
        frame = pd.DataFrame(EVENTS, columns=["user_id", "day", "event"])
        first_days = frame.groupby("user_id")["day"].min().value_counts()
        assert result["new_users"] == [int(first_days.get(d, 0)) for d in range(1, 8)]
        assert sum(result["new_users"]) == 20
        later = query({"kind": "new_users", "date_from": "2026-10-06",
                       "date_to": "2026-10-08"}, ws)
        assert later["new_users"] == [0, 0, 0]  # everyone was seen before the 6th
    assert "new_users" not in KINDS


def test_the_report_section_example(tmp_path, ws):
    with installed(tmp_path, "src/applens/report/sections/event_mix.py", SECTIONS) as added:
        assert added == ["event-mix"]
        report = build_report(ws)
        keys = [s.key for s in report.sections]
        assert "event-mix" in keys and keys.index("event-mix") > keys.index("activity")
        section = report.section("event-mix")
        assert section is not None and section.data["top_event"] == "view"
    assert "event-mix" not in SECTIONS


def test_the_page_example(tmp_path, ws):
    with installed(tmp_path, "src/applens/web/pages/top_users.py", PAGES) as added:
        assert added == ["top-users"]
        with TestClient(create_app(ws), raise_server_exceptions=False) as client:
            html = client.get("/page/top-users", headers={"accept": "text/html"})
            assert html.status_code == 200 and 'href="/page/top-users' in html.text
            pages = client.get("/api/pages").json()["pages"]
            assert [p["name"] for p in pages].index("top-users") == [
                p["name"] for p in pages].index("models") + 1  # order=75
            csv = client.get("/api/pages/top-users/top_users.csv",
                             params={"date_from": "2026-10-01", "date_to": "2026-10-31"})
            assert csv.status_code == 200
            per_user = pd.DataFrame(EVENTS, columns=["user_id", "day", "event"]).groupby(
                "user_id").size().sort_values(ascending=False)
            assert csv.text.splitlines()[1:3] == [f"{u},{n}" for u, n in per_user.head(2).items()]
    assert "top-users" not in PAGES


def test_the_cli_command_example(tmp_path, ws, run_cli):
    ws.close()
    with installed(tmp_path, "src/applens/cli/event_names_cmd.py", COMMANDS) as added:
        assert added == ["event-names"]
        count = len(cli_app.registered_commands)
        COMMANDS["event-names"](cli_app)  # what applens.cli does at import for each entry
        try:
            assert "event-names" in run_cli("--help").stdout
            result = run_cli("event-names", "-w", ws.path, "--format", "json")
            assert result.exit_code == 0, result.stderr
            rows = json.loads(result.stdout)
            assert rows[0] == {"event": "view", "events": 40}
            assert sum(r["events"] for r in rows) == len(EVENTS)
        finally:
            del cli_app.registered_commands[count:]
    assert "event-names" not in COMMANDS


def test_the_share_judge_example(tmp_path):
    from datetime import datetime, timedelta

    from applens.errors import ConfigError, InvalidParameterError
    from applens.monitor import load_monitors, run_once
    from applens.monitor.share_judges import get_share_judge
    from applens.workspace import Workspace

    with installed(tmp_path, "src/applens/monitor/share_judges/ceiling.py", SHARE_JUDGES
                   ) as added:
        assert added == ["ceiling"]
        judge = get_share_judge("ceiling", {"limit": 0.25})
        hits, trials = [[1.0, 3.0, 6.0, 5.0]], [[20.0, 10.0, 20.0, 4.0]]
        verdicts = judge.judge(hits, trials, others=False)
        # 30 % of 20 alerts; 30 % of 10 is judged (min_tickets=10) and alerts; 5 of 4 is
        # not judged (too few tickets), whatever its share.
        assert verdicts.alert.tolist() == [[False, True, True, False]]
        assert verdicts.judged.tolist() == [[True, True, True, False]]
        with pytest.raises(InvalidParameterError, match="limit must be between 0 and 1"):
            get_share_judge("ceiling", {"limit": 1.5})
        with pytest.raises(ConfigError, match="limit must be between 0 and 1"):
            load_monitors({"c": {"tickets": "negative_share", "detector": "ceiling",
                                 "params": {"limit": 2}}})

        # End to end: a monitor picks it by name and alerts on the day above a quarter.
        ws = Workspace.init(tmp_path / "ws")
        ws.close()
        with (ws.path / "applens.toml").open("a", encoding="utf-8") as handle:
            handle.write('\n[monitors.complaints]\ntickets = "negative_share"\n'
                         'detector = "ceiling"\nparams = {limit = 0.25}\n')
        start = datetime(2026, 10, 1)
        rows = [{"ticket_id": f"T{day}-{i}", "user_id": f"u{i}",
                 "ts": start + timedelta(days=day, hours=9), "text": "help",
                 "negativity": "negative" if i < (12 if day == 5 else 2) else "neutral"}
                for day in range(8) for i in range(20)]
        ws = Workspace(ws.path)
        try:
            ws.connection.register("_frame", pd.DataFrame(rows))
            ws.connection.execute("CREATE TABLE tickets AS SELECT * FROM _frame")
            ws.connection.unregister("_frame")
            opened = [(day, n.verdict.value) for day in range(1, 8)
                      for n in run_once(ws, now=start + timedelta(days=day + 1, minutes=5),
                                        sleep=lambda s: None).notices if n.kind == "opened"]
        finally:
            ws.close()
        assert opened == [(5, pytest.approx(0.6))]
    assert "ceiling" not in SHARE_JUDGES


def test_the_examples_are_lint_clean(tmp_path):
    """The examples follow the project's ruff rules, like the code they show how to add."""
    for path, code in _examples().items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
         str(ROOT / "pyproject.toml"), str(tmp_path / "src")],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_table_names_one_registry_per_family_with_the_existing_keys():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    dotted = re.findall(r"^\|[^|]+\| `(applens\.[\w.]+)`", text, flags=re.M)
    found = {}
    for path in dotted:
        module, _, name = path.rpartition(".")
        found[path] = getattr(importlib.import_module(module), name)
    assert len(found) == 7 and all(isinstance(r, Registry) for r in found.values())
    assert set(DETECTORS) == {"default", "levelshift", "seasonal", "simple"}
    assert MODELS.names() == ["churn", "crash", "personas", "bots", "tickets-negativity",
                              "tickets-type"]
    assert KINDS.names() == ["active_users", "stickiness", "lifecycle", "retention", "funnel",
                             "trends", "access_top", "access_quiet", "access_after_end",
                             "access_cross_program", "access_scrapers", "access_outlier_days"]
    assert SECTIONS.names() == ["activity", "slices", "lifecycle", "retention", "funnels",
                                "experiments", "anomalies", "health", "crash-risk", "bots",
                                "support", "churn", "personas", "access", "quality"]
    assert PAGES.names() == ["overview", "activity", "retention", "funnels", "experiments",
                             "anomalies", "models", "support", "access", "data"]
    assert {"ab", "anomalies", "ingest", "query", "report", "serve", "train"} <= set(COMMANDS)
    assert SHARE_JUDGES.names() == ["proportion"]
