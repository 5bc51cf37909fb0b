"""At 80 columns a wide table is stacked (one block per row, "name  value" lines) instead of
crushed into 3-letter pieces; numbers are readable (3 significant digits)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import applens

SRC = str(Path(applens.__file__).resolve().parents[1])


def applens_at(columns: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": SRC, "TERM": "dumb"}
    env.pop("APPLENS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "applens", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


@pytest.fixture
def cookie_cats(shared_data: Path) -> Path:
    return shared_data / "cookie_cats" / "cookie_cats.csv"


@pytest.mark.parametrize("columns", [80, 60])
def test_ab_analyze_at_narrow_width_breaks_no_cell(cookie_cats, columns):
    result = applens_at(columns, "ab", "analyze", "--data", str(cookie_cats), "--group-col",
                        "version", "--metric", "retention_7", "--metric", "retention_1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), result.stdout
    for whole in ("retention_7", "retention_1", "gate_40", "treatment_mean", "p_adjusted",
                  "significant decrease (worse)", "no significant difference"):
        assert any(whole in line for line in lines), (whole, result.stdout)
    values = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines
                  if re.match(r"^(p_value|lift|ci_high)\s", line))
    assert values["p_value"] in ("0.00156", "0.0744") and values["lift"].startswith("-0.0")


def test_ab_analyze_on_a_wide_terminal_stays_one_table(cookie_cats):
    result = applens_at(200, "ab", "analyze", "--data", str(cookie_cats), "--group-col",
                        "version", "--metric", "retention_7")
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "treatment_mean" in line)
    assert "p_adjusted" in header and "decision" in header
    row = next(line for line in result.stdout.splitlines() if "retention_7" in line)
    assert "0.00156" in row and "significant decrease (worse)" in row
