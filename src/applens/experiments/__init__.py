"""Experiments: salted-hash assignment, SRM, A/A validation and A/B readouts.

Statistics follow ``shared/docs/experiment-methods.md``. Every test takes per-arm
sufficient statistics (or arrays) and returns a frozen result; degenerate input gives a
result with a ``status`` and ``warnings`` (codes in :mod:`applens.experiments.codes`).
"""

from __future__ import annotations

from applens.experiments.assignment import N_BUCKETS, assign_group, bucket_bounds, bucket_of
from applens.experiments.bayesian import BayesianResult, bayesian
from applens.experiments.cuped import cuped
from applens.experiments.frequentist import ratio_test, ttest
from applens.experiments.multiple import adjust_pvalues
from applens.experiments.nonparametric import bootstrap, bucket_transform, mann_whitney
from applens.experiments.power import mde, power, sample_size
from applens.experiments.ratio_cuped import RatioCupedStats, ratio_cuped
from applens.experiments.results import ResultWarning, TestResult
from applens.experiments.sequential import sequential_test
from applens.experiments.srm import SRMResult, srm
from applens.experiments.stats import RatioStats, SampleStats, control_ratio, linearize

__all__ = [
    "N_BUCKETS",
    "BayesianResult",
    "RatioCupedStats",
    "RatioStats",
    "ResultWarning",
    "SRMResult",
    "SampleStats",
    "TestResult",
    "adjust_pvalues",
    "analyze_experiment",
    "assign_group",
    "bayesian",
    "bootstrap",
    "bucket_bounds",
    "bucket_of",
    "bucket_transform",
    "control_ratio",
    "cuped",
    "linearize",
    "mann_whitney",
    "mde",
    "power",
    "ratio_cuped",
    "ratio_test",
    "sample_size",
    "sequential_test",
    "srm",
    "ttest",
]


def __getattr__(name: str) -> object:
    # Lazy: the workspace readout pulls in Ibis and the insights time helpers.
    if name == "analyze_experiment":
        from applens.experiments.declared import analyze_experiment

        return analyze_experiment
    raise AttributeError(f"module 'applens.experiments' has no attribute {name!r}")
