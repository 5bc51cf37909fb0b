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
