"""``applens ab analyze --experiment``: --alpha, --correction and --resamples given on the
command line replace the experiment's values (command line > applens.toml > default).

On the seeded experiment of conftest, ctr (CUPED) has p ≈ 0.0145 (Holm-adjusted ≈ 0.043):
significant at the declared alpha 0.05, not at 0.01.
"""

from __future__ import annotations

import json

import pytest
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from tests.integration.experiments.conftest import SETTINGS

CONFIG = f"""
timezone = "UTC"

[experiments.feed]
users_column = "program"
alpha = 0.05
correction = "holm"
{SETTINGS}"""


@pytest.fixture
def analyze(synthetic_workspace, run_cli):
    """``analyze(*options)`` → the JSON readout of ``--experiment feed`` with those options."""
    ws = synthetic_workspace(CONFIG)
    ws.close()  # the CLI opens the workspace itself

    def run(*options: str) -> dict:
        result = run_cli("ab", "analyze", "--experiment", "feed", "-w", str(ws.path),
                         "--format", "json", *options)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return run


def _metric(payload: dict, name: str) -> dict:
    return next(m for m in payload["metrics"] if m["metric"] == name)


def test_alpha_from_the_command_line_replaces_the_declared_one(analyze):
    declared, strict = analyze(), analyze("--alpha", "0.01")
    assert (declared["alpha"], strict["alpha"]) == (0.05, 0.01)
    ctr, ctr_strict = _metric(declared, "ctr"), _metric(strict, "ctr")
    assert ctr["p_adjusted"] == ctr_strict["p_adjusted"]
    assert 0.01 < ctr["p_adjusted"] < 0.05
    assert ctr["decision"] == "significant increase (better)"
    assert ctr_strict["decision"] == "no significant difference"
    # The 99% interval is wider by z(0.995)/z(0.975) (Welch t with ~400 dof: within 0.5%)
    # and, as the unadjusted p is above 0.01, now holds 0.
    width = (ctr["ci_high"] - ctr["ci_low"], ctr_strict["ci_high"] - ctr_strict["ci_low"])
    assert width[1] / width[0] == pytest.approx(norm.ppf(0.995) / norm.ppf(0.975), rel=5e-3)
    assert ctr["ci_low"] > 0 > ctr_strict["ci_low"]


def test_correction_from_the_command_line_matches_statsmodels(analyze):
    declared, bonferroni = analyze(), analyze("--correction", "bonferroni")
    assert (declared["correction"], bonferroni["correction"]) == ("holm", "bonferroni")
    for payload, method in ((declared, "holm"), (bonferroni, "bonferroni")):
        rows = [m for m in payload["metrics"] if m["role"] == "metric"]
        expected = multipletests([m["p_value"] for m in rows], method=method)[1]
        assert [m["p_adjusted"] for m in rows] == pytest.approx(expected, rel=1e-12)
    assert _metric(bonferroni, "count_like")["p_adjusted"] > _metric(declared, "count_like")[
        "p_adjusted"]
    # Guardrails stay outside the family whatever the correction.
    guard = _metric(bonferroni, "count_view")
    assert guard["p_adjusted"] == guard["p_value"]


def test_resamples_from_the_command_line_and_the_settings_line(synthetic_workspace, run_cli):
    ws = synthetic_workspace(CONFIG)
    ws.close()
    base = ("ab", "analyze", "--experiment", "feed", "-w", str(ws.path))
    declared = run_cli(*base, "--format", "json")
    off = run_cli(*base, "--format", "json", "--resamples", "0")
    assert _metric(json.loads(declared.stdout), "count_like")["prob_treatment_better"] is not None
    assert _metric(json.loads(off.stdout), "count_like")["prob_treatment_better"] is None
    table = run_cli(*base, "--correction", "bh")
    assert table.exit_code == 0, table.stderr
    assert "alpha 0.05 (experiments.feed), correction bh (command line)" in table.stdout
    bad = run_cli(*base, "--alpha", "1.5")
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "Error: --alpha must be between 0 and 1 (exclusive); got 1.5."
