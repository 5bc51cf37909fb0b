"""`ab analyze --data` on the real A/B files in ../shared/data (issues 17.5 and 20.9).

Cookie Cats (PROVENANCE.md): one row per player, `userid` is an id and never a metric;
retention_7 p = 0.0016. Udacity landing page (PROVENANCE.md): 294,478 rows for 290,584
users, 1,895 users in both groups; the course's answer key drops the rows whose group and
landing page disagree and the one repeated user: control 12.0386 %, treatment 11.8808 %,
z = -1.31, p = 0.190.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest


@pytest.fixture
def cookie_cats(shared_data):
    return shared_data / "cookie_cats" / "cookie_cats.csv"


@pytest.fixture
def ab_data(shared_data):
    return shared_data / "udacity_ab_data" / "ab_data.csv.gz"


def test_default_metrics_leave_the_id_column_out(run_cli, cookie_cats):
    result = run_cli("ab", "analyze", "--data", cookie_cats, "--group-col", "version",
                     "--control", "gate_30", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    by_name = {m["metric"]: m for m in out["metrics"]}
    assert sorted(by_name) == ["retention_1", "retention_7", "sum_gamerounds"]
    frame = pd.read_csv(cookie_cats)
    arms = [frame[frame.version == v] for v in ("gate_30", "gate_40")]
    raw = [stats.ttest_ind(arms[1][m].astype(float), arms[0][m].astype(float),
                           equal_var=False).pvalue for m in by_name]
    holm = dict(zip(by_name, multipletests(raw, method="holm")[1], strict=True))
    for name, row in by_name.items():
        assert row["p_adjusted"] == pytest.approx(holm[name], rel=1e-6)
    assert round(by_name["retention_7"]["p_adjusted"], 4) == 0.0047
    assert any("userid" in note and "sum_gamerounds" in note for note in out["notes"])


def test_table_says_which_columns_and_the_srm_threshold(run_cli, cookie_cats):
    result = run_cli("ab", "analyze", "--data", cookie_cats, "--group-col", "version",
                     "--control", "gate_30", "--resamples", "200")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "threshold 0.001" in text and "p=0.0086" in text
    assert "Metrics: sum_gamerounds, retention_1, retention_7" in text
    assert "userid" in text


def test_repeated_users_are_detected_and_counted(run_cli, ab_data):
    result = run_cli("ab", "analyze", "--data", ab_data, "--group-col", "group",
                     "--control", "control", "--metric", "converted", "--resamples", "200",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    frame = pd.read_csv(ab_data).sort_values("timestamp", kind="stable")
    arms = frame.groupby("user_id")["group"].nunique()
    single = frame[frame.user_id.isin(arms.index[arms == 1])].drop_duplicates("user_id")
    note = next(n for n in out["notes"] if "more than one arm" in n)
    assert f"{int((arms > 1).sum()):,} users in more than one arm are left out" in note
    assert "294,478 rows for 290,584 users" in note
    row = out["metrics"][0]
    assert row["n_control"] + row["n_treatment"] == len(single) == 290_584 - 1_895
    expected = single.groupby("group").converted.mean()
    assert row["control_mean"] == pytest.approx(expected["control"], rel=1e-12)
    assert row["treatment_mean"] == pytest.approx(expected["treatment"], rel=1e-12)


def test_published_udacity_result_from_the_cli_alone(run_cli, ab_data):
    """The answer key's cleaning: rows whose group and page disagree go (--where), then one
    row per user."""
    result = run_cli("ab", "analyze", "--data", ab_data, "--group-col", "group",
                     "--control", "control", "--metric", "converted", "--resamples", "200",
                     "--where", '("group" = \'treatment\') = (landing_page = \'new_page\')',
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    row = out["metrics"][0]
    assert (row["n_control"], row["n_treatment"]) == (145_274, 145_310)
    assert round(row["control_mean"] * 100, 4) == 12.0386
    assert round(row["treatment_mean"] * 100, 4) == 11.8808
    assert round(row["difference"] * 100, 3) == -0.158
    assert round(row["p_value"], 3) == 0.190
    z, p = proportions_ztest([17_489, 17_264], [145_274, 145_310])
    assert round(z, 2) == 1.31 and row["p_value"] == pytest.approx(p, rel=1e-3)
    assert any("kept 290,585 of 294,478 rows" in n for n in out["notes"])
    assert any("0 users in more than one arm" in n for n in out["notes"])


LANDING_PAGE = """
[experiments.landing_page]
events_column = "group"
# the answer key's cleaning: rows whose group and page disagree are a logging bug
where = "(\\"group\\" = 'treatment') = (event = 'new_page')"
variants = ["control", "treatment"]
start = 2017-01-01
end = 2017-01-26
metrics = ["mean:converted", "share:converted"]
"""


def test_published_udacity_result_from_an_ingested_workspace(run_cli, ab_data, tmp_path):
    ws = tmp_path / "ab"
    assert run_cli("init", ws).exit_code == 0
    ingest = run_cli("ingest", ab_data, "--map", "ts=timestamp", "--map", "event=landing_page",
                     "-w", ws)
    assert ingest.exit_code == 0, ingest.stderr
    with (ws / "applens.toml").open("a") as toml:
        toml.write(LANDING_PAGE)
    result = run_cli("ab", "analyze", "--experiment", "landing_page", "--resamples", "0",
                     "-w", ws, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    for row in out["metrics"]:
        assert (row["n_control"], row["n_treatment"]) == (145_274, 145_310)
        assert round(row["control_mean"] * 100, 4) == 12.0386
        assert round(row["treatment_mean"] * 100, 4) == 11.8808
        assert round(row["p_value"], 3) == 0.190
        assert row["kind"] == "proportion"
    _, p = proportions_ztest([17_489, 17_264], [145_274, 145_310])
    assert out["metrics"][0]["p_value"] == pytest.approx(p, rel=1e-3)
    # Without the cleaning, users seen in both groups are left out and counted.
    lines = (ws / "applens.toml").read_text().splitlines(keepends=True)
    (ws / "applens.toml").write_text("".join(x for x in lines if not x.startswith("where")))
    raw = run_cli("ab", "analyze", "--experiment", "landing_page", "--resamples", "0",
                  "-w", ws, "--format", "json")
    assert raw.exit_code == 0, raw.stderr
    notes = json.loads(raw.stdout)["notes"]
    assert any(n.startswith("1895 users have more than one value of events.group")
               for n in notes)


def test_resamples_zero_skips_the_bootstrap_as_its_help_says(run_cli, cookie_cats):
    result = run_cli("ab", "analyze", "--data", cookie_cats, "--group-col", "version",
                     "--control", "gate_30", "--metric", "retention_7", "--resamples", "0",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)["metrics"][0]
    assert row["prob_treatment_better"] is None and round(row["p_value"], 4) == 0.0016
