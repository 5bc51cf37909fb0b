"""Realistic demo data with known, planted effects (``applens demo`` builds on it).

``generate(out_dir)`` writes ``events.parquet`` (or ``.csv``), ``users.csv`` and
``ground_truth.json`` for a social app with a feed and a messenger.
"""

from __future__ import annotations

from applens.demo._plan import DEFAULT_END_DATE
from applens.demo._truth import GroundTruth
from applens.demo.generate import generate

__all__ = ["DEFAULT_END_DATE", "GroundTruth", "generate"]
