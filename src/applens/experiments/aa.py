"""A/A validation of a splitter on real data.

Two checks, as analysts do it by hand: (1) sample-ratio mismatch overall and per day, and
(2) K repeated sub-sampled A/A tests — draw ``sample_size`` users from each group without
replacement, run the test, record p — then compare the share of p < α with α (binomial
test and Wilson interval) and the p-values with U(0, 1) (Kolmogorov–Smirnov). Sub-samples
of one population are not independent experiments, and discrete metrics make p-values
lumpy, so the KS test is reported but only SRM and the false-positive rate decide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from applens.errors import InsufficientDataError, InvalidParameterError, SchemaError
from applens.experiments.frequentist import ttest
from applens.experiments.nonparametric import mann_whitney
from applens.experiments.srm import DEFAULT_SRM_THRESHOLD, SRMResult, srm
from applens.experiments.stats import SampleStats, as_float_array
from applens.formatting import count, p_equals, percent

__all__ = ["AAReport", "aa_simulation", "validate_split"]

AATest = Literal["welch", "mann_whitney"]
# The false-positive rate fails when a binomial test against alpha gives p below this.
_FPR_THRESHOLD = 0.001


@dataclass(frozen=True)
class AAReport:
    groups: tuple[str, str]
    metric: str
    test: str
    srm: SRMResult
    daily_srm: tuple[tuple[str, SRMResult], ...]
    n_runs: int
    sample_size: int
    alpha: float
    false_positive_rate: float
    fpr_ci_low: float
    fpr_ci_high: float
    fpr_p_value: float  # binomial test of the rejection count against alpha
    ks_statistic: float
    ks_p_value: float

    @property
    def failed_days(self) -> tuple[str, ...]:
        return tuple(day for day, result in self.daily_srm if not result.ok)

    @property
    def fpr_too_high(self) -> bool:
        """More A/A rejections than alpha allows: the split (or the test) is broken."""
        return self.fpr_p_value < _FPR_THRESHOLD and self.false_positive_rate > self.alpha

    @property
    def fpr_too_low(self) -> bool:
        """Fewer rejections than alpha: the test is conservative on this metric (heavy
        tails, outliers); that costs power but does not indict the split."""
        return self.fpr_p_value < _FPR_THRESHOLD and self.false_positive_rate < self.alpha

    @property
    def healthy(self) -> bool:
        return self.srm.ok and not self.failed_days and not self.fpr_too_high

    @property
    def verdict(self) -> str:
        problems = []
        if not self.srm.ok:
            problems.append(f"sample-ratio mismatch overall ({p_equals(self.srm.p_value)})")
        if self.failed_days:
            problems.append(f"sample-ratio mismatch on {len(self.failed_days)} day(s)")
        if self.fpr_too_high:
            problems.append(
                f"A/A false-positive rate {percent(self.false_positive_rate, 2)} differs from "
                f"alpha={percent(self.alpha, 0)} (binomial {p_equals(self.fpr_p_value)})"
            )
        if not problems:
            text = (f"Healthy: the split matches its weights and "
                    f"{percent(self.false_positive_rate, 2)} of {count(self.n_runs)} A/A tests "
                    f"were significant at alpha={percent(self.alpha, 0)}.")
            if self.fpr_too_low:
                text += (f" The {self.test} test is conservative on {self.metric!r} (fewer false "
                         f"positives than alpha, binomial {p_equals(self.fpr_p_value)}): heavy "
                         "tails or outliers cost power; "
                         "consider a robust test, bucketing or capping.")
            return text
        return "NOT healthy: " + "; ".join(problems) + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": list(self.groups), "metric": self.metric, "test": self.test,
            "srm": self.srm.to_dict(),
            "daily_srm_failures": list(self.failed_days), "days_checked": len(self.daily_srm),
            "n_runs": self.n_runs, "sample_size": self.sample_size, "alpha": self.alpha,
            "false_positive_rate": self.false_positive_rate,
            "fpr_ci_low": self.fpr_ci_low, "fpr_ci_high": self.fpr_ci_high,
            "fpr_p_value": self.fpr_p_value, "ks_statistic": self.ks_statistic,
            "ks_p_value": self.ks_p_value, "healthy": self.healthy, "verdict": self.verdict,
        }


def aa_simulation(
    values_a: Any,
    values_b: Any,
    *,
    n_runs: int = 10_000,
    sample_size: int = 1000,
    test: AATest = "welch",
    seed: int | None = 0,
) -> np.ndarray:
    """p-values of ``n_runs`` A/A tests on sub-samples of ``sample_size`` per group."""
    a, b = as_float_array(values_a, "values_a"), as_float_array(values_b, "values_b")
    if test not in ("welch", "mann_whitney"):
        raise InvalidParameterError(f"test must be welch or mann_whitney; got {test!r}.")
    if n_runs < 1:
        raise InvalidParameterError(f"n_runs must be at least 1; got {n_runs}.")
    if sample_size < 2 or sample_size > min(a.size, b.size):
        raise InsufficientDataError(
            f"sample_size must be between 2 and the smaller group's size "
            f"({min(a.size, b.size)}); got {sample_size}. Pass a smaller --sample-size."
        )
    rng = np.random.default_rng(seed)
    p = np.empty(n_runs)
    for run in range(n_runs):
        xa = a[rng.choice(a.size, sample_size, replace=False)]
        xb = b[rng.choice(b.size, sample_size, replace=False)]
        if test == "welch":
            p[run] = ttest(SampleStats.from_values(xa), SampleStats.from_values(xb)).p_value
        else:
            p[run] = mann_whitney(xa, xb).p_value
    return p


def validate_split(
    frame: pd.DataFrame,
    *,
    group_col: str,
    metric: str,
    groups: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    date_col: str | None = None,
    n_runs: int = 10_000,
    sample_size: int | None = None,
    alpha: float = 0.05,
    test: AATest = "welch",
    seed: int | None = 0,
    srm_threshold: float = DEFAULT_SRM_THRESHOLD,
) -> AAReport:
    """Validate an A/A split in ``frame`` (one row per user)."""
    for column in (group_col, metric, date_col):
        if column is not None and column not in frame.columns:
            raise SchemaError(
                f"Column {column!r} is not in the data; columns: {list(frame.columns)}."
            )
    labels = frame[group_col].astype(str)
    names = sorted(labels.unique()) if groups is None else [str(g) for g in groups]
    if len(names) != 2:
        raise InvalidParameterError(f"A/A validation needs exactly 2 groups; got {names}.")
    counts = [int((labels == g).sum()) for g in names]
    overall = srm(counts, weights, threshold=srm_threshold)
    daily: list[tuple[str, SRMResult]] = []
    if date_col is not None:
        days = pd.to_datetime(frame[date_col]).dt.date.astype(str)
        table = pd.crosstab(days, labels).reindex(columns=names, fill_value=0)
        daily = [(str(day), srm(row.tolist(), weights, threshold=srm_threshold))
                 for day, row in table.iterrows()]
    values = [frame.loc[labels == g, metric].to_numpy() for g in names]
    size = sample_size or max(2, min(1000, min(counts) // 2))
    p = aa_simulation(values[0], values[1], n_runs=n_runs, sample_size=size, test=test, seed=seed)
    rejections = int(np.sum(p < alpha))
    binom = stats.binomtest(rejections, n_runs, alpha)
    ci = binom.proportion_ci(0.95, method="wilson")
    ks = stats.kstest(p[~np.isnan(p)], "uniform") if np.isfinite(p).any() else None
    return AAReport(
        (names[0], names[1]), metric, test, overall, tuple(daily), n_runs, size, alpha,
        rejections / n_runs, float(ci.low), float(ci.high), float(binom.pvalue),
        float(ks.statistic) if ks else math.nan, float(ks.pvalue) if ks else math.nan,
    )
