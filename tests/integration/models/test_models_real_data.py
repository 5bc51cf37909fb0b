"""``applens train`` on real data nobody here wrote: an Apache access log and retail orders.

Every model trains or is skipped with its reason (one line), library warnings are summarised
(one line per kind, with a count) and nothing is saved unless the whole run finished.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

from applens.ingest import ingest
from applens.models import MODELS, ModelSpec, train
from applens.models._common import Trained
from applens.workspace import Workspace
from tests.conftest import SHARED_DATA

APACHE = SHARED_DATA / "apache_access_logs" / "apache_logs"
RETAIL = SHARED_DATA / "online_retail" / "online_retail_II_2009_2010.parquet"


@pytest.fixture(scope="module")
def apache_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("apache") / "ws"
    with Workspace.init(folder) as ws:
        ingest(ws, APACHE, preset="combined-log")
    return folder


@pytest.fixture(scope="module")
def retail_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("retail") / "ws"
    with Workspace.init(folder) as ws:
        ingest(ws, RETAIL, mapping={"ts": "InvoiceDate", "user_id": "Customer ID",
                                   "event": "StockCode"}, max_rejects="30%")
    return folder


def _versions(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in (folder / "models" / name).glob("v*"))


def _clean(result) -> None:
    assert result.exit_code == 0, result.stderr
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text and "warnings.warn(" not in text, text


def test_train_help_lists_every_registered_model(run_cli):
    result = run_cli("train", "--help")
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert "bots" in MODELS
    for name in MODELS:
        assert name in flat, (name, flat)


def test_train_on_an_access_log_skips_what_the_data_cannot_support(run_cli, apache_path):
    result = run_cli("train", "-w", apache_path)
    _clean(result)
    skipped = [line for line in result.stdout.splitlines() if ": skipped." in line]
    # 4 days of data: no churn horizon to label, no crash events, no support tickets; each
    # says why on its line
    assert [line.split(":")[0] for line in skipped] == [
        "churn", "crash", "tickets-negativity", "tickets-type"], result.stdout
    assert "the data starts 2015-05-17" in skipped[0] and "crashed of" in skipped[1]
    assert all("has no tickets to learn from" in line for line in skipped[2:])
    for name in ("personas", "bots"):
        assert _versions(apache_path, name), name


def test_named_models_skip_the_one_the_data_cannot_support(run_cli, apache_path):
    before = _versions(apache_path, "bots")
    result = run_cli("train", "--models", "churn,crash,bots", "-w", apache_path)
    _clean(result)
    assert "churn: skipped." in result.stdout and "crash: skipped." in result.stdout
    assert len(_versions(apache_path, "bots")) == len(before) + 1


def test_train_on_retail_orders_trains_every_model_or_says_why(run_cli, retail_path):
    result = run_cli("train", "-w", retail_path)
    _clean(result)
    for name in MODELS:
        said = f"{name}: skipped." in result.stdout
        assert said != bool(_versions(retail_path, name)), (name, result.stdout)
    assert _versions(retail_path, "personas")


def _noisy(ws, cutoff, opts) -> Trained:
    """A model whose library warns on every fit (too few iterations to converge)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(int)
    for _ in range(5):
        model = LogisticRegression(max_iter=1).fit(x, y)
    warnings.warn("Skipping features without any observed values: ['ctr']", UserWarning,
                  stacklevel=1)
    return Trained(model, {"n": 200.0}, {"estimator": "logistic_regression"})


def _broken(ws, cutoff, opts) -> Trained:
    raise RuntimeError("a bug in a model")


def test_library_warnings_are_summarised_one_line_per_kind(run_cli, retail_path,
                                                          monkeypatch):
    monkeypatch.setitem(MODELS, "noisy", ModelSpec("noisy", _noisy, lambda *a: None, "warns"))
    with Workspace(retail_path) as ws:
        report = train(ws, "noisy")["noisy"]
    assert len(report.warnings) == 2 and sum(report.warnings.values()) == 6, report.warnings
    assert [n for k, n in report.warnings.items()
            if k.startswith(ConvergenceWarning.__name__)] == [5], report.warnings
    result = run_cli("train", "--models", "noisy", "-w", retail_path)
    _clean(result)
    lines = [line for line in result.stdout.splitlines() if "Warning" in line]
    assert len(lines) == 2, result.stdout
    assert any("5×" in line and "ConvergenceWarning" in line for line in lines), lines


def test_a_model_that_fails_leaves_no_half_finished_run(retail_path, monkeypatch):
    monkeypatch.setitem(MODELS, "broken", ModelSpec("broken", _broken, lambda *a: None, "x"))
    before = _versions(retail_path, "churn")
    with Workspace(retail_path) as ws, pytest.raises(RuntimeError, match="a bug"):
        train(ws, "churn,broken")
    assert _versions(retail_path, "churn") == before


@pytest.fixture(scope="module")
def apache_scored(apache_path) -> Path:
    """The access-log workspace with personas and bots trained and scored."""
    from applens.models import predict

    with Workspace(apache_path) as ws:
        train(ws, "personas,bots")
        predict(ws, "bots")
    return apache_path


def test_each_ip_of_an_access_log_is_scored_once(apache_scored, run_cli):
    from applens.models import latest_scores

    with Workspace(apache_scored) as ws:
        scores = latest_scores(ws, "bots")
        ips = ws.connection.execute("SELECT count(DISTINCT ip) FROM events").fetchall()[0][0]
    assert ips == 1753
    assert scores.entity_type.eq("ip").all() and scores.entity_id.is_unique
    assert len(scores) == ips
    result = run_cli("predict", "--models", "bots", "--top", "3", "-w", apache_scored)
    assert result.exit_code == 0, result.stderr
    assert f"bots: top 3 of {ips}" in result.stdout


def test_the_report_on_an_access_log_builds_with_the_models_counts(apache_scored, run_cli,
                                                                   tmp_path):
    from applens.models import latest_scores

    result = run_cli("report", "--out", tmp_path / "r", "-w", apache_scored)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    bots = next(s for s in report["sections"] if s["key"] == "bots")
    with Workspace(apache_scored) as ws:
        scores = latest_scores(ws, "bots")
    assert bots["data"]["method"] == "model"
    assert bots["data"]["flagged_count"] == int((scores.label != "normal").sum())


def test_the_dashboard_hint_for_an_untrained_model_is_a_valid_command(retail_path, run_cli):
    import shlex

    from applens.web.pages import parse_filters
    from applens.web.pages.models import models as models_page

    with Workspace(retail_path) as ws:
        page = models_page(ws, parse_filters(ws, {}))
    hints = [e.command for e in page.empty if "predict" in e.command]
    assert hints, page.empty
    for hint in hints:
        predict_part = hint.split("&&")[-1].strip()
        args = shlex.split(predict_part)[1:]
        assert args[0] == "predict"
        result = run_cli(*args, "--help")
        assert result.exit_code == 0, (hint, result.stderr)
        result = run_cli(*args, "-w", retail_path)
        assert result.exit_code in (0, 1), (hint, result.stderr)  # never a usage error (2)


def test_bots_on_retail_orders_say_why_they_cannot_be_judged(retail_path, run_cli, tmp_path):
    """Order lines share one timestamp: no model, no rule, no 'check their IPs'."""
    result = run_cli("train", "--models", "personas,bots", "-w", retail_path)
    _clean(result)
    assert "bots: skipped." in result.stdout and "share one timestamp" in result.stdout
    result = run_cli("report", "--out", tmp_path / "r", "-w", retail_path)
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert "bots" not in [s["key"] for s in report["sections"]]
    assert "share one timestamp" in report["skipped"]["bots"]
    html = (tmp_path / "r" / "report.html").read_text()
    assert "check their IP" not in html and "look automated" not in html


def test_the_bots_model_file_is_as_small_as_its_information(apache_scored):
    """One detector (IPs only), 100 trees of 256 rows, no training data: under 4 MB
    (was 11 MB: two detectors of 200 trees each)."""
    from applens.models.registry import MODEL_FILE, latest_version, model_dir

    with Workspace(apache_scored) as ws:
        path = model_dir(ws, "bots") / latest_version(ws, "bots") / MODEL_FILE
        raw = path.read_bytes()
    assert len(raw) < 4_000_000, len(raw)
    assert b"66.249.73.135" not in raw  # no entity ids or features are stored
