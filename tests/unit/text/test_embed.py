"""Sentence embeddings: PyTorch's idle threads sleep instead of spinning."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from applens.text.embed import available

pytestmark = pytest.mark.skipif(not available(), reason="embeddings extra not installed")

CHECK = ("import os; from applens.text.embed import available; available(); "
         "import torch; print(os.environ.get('OMP_WAIT_POLICY'))")


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_wait_policy_is_set_before_torch_loads(given: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given  # a user's own choice wins
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == expected
