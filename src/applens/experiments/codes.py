"""Status and warning codes carried by experiment results.

Degenerate statistics are data, not exceptions (as in gbstats ``messages.py``): a test on an
empty arm or on constant values returns a result whose ``status`` is one of these codes and
whose ``warnings`` say what happened. Misuse (bad parameter values) still raises.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CONSTANT_COVARIATE",
    "INSUFFICIENT_DATA",
    "OK",
    "SRM_FAILED",
    "Status",
    "ZERO_CONTROL_MEAN",
    "ZERO_DENOMINATOR",
    "ZERO_VARIANCE",
]

OK = "ok"
INSUFFICIENT_DATA = "insufficient_data"  # an arm is empty or has fewer than 2 units
ZERO_VARIANCE = "zero_variance"  # the standard error is 0: no test is possible
ZERO_CONTROL_MEAN = "zero_control_mean"  # a relative lift needs a non-zero control mean
ZERO_DENOMINATOR = "zero_denominator"  # a ratio metric whose denominator mean is 0
CONSTANT_COVARIATE = "constant_covariate"  # CUPED fell back: the pre-period has no variance
SRM_FAILED = "srm_failed"  # the split does not match the planned weights

Status = Literal[
    "ok",
    "insufficient_data",
    "zero_variance",
    "zero_control_mean",
    "zero_denominator",
]
