"""A/B readout of a per-user table: SRM first, then every metric, then the correction.

Input is one row per randomisation unit with a group column and metric columns (what
``ab analyze --data FILE`` reads, and what the warehouse query produces). Metrics:

- ``col`` — a mean, or a proportion when the column is boolean or only 0/1;
- ``name=num/den`` (or ``num/den``) — a ratio metric ``Σnum/Σden`` such as CTR, tested with
  the delta method, with linearization as a cross-check;
- ``pre`` maps a metric to its pre-period column for CUPED (``"num_pre/den_pre"`` for a
  ratio metric: ratio CUPED by the delta method, :mod:`applens.experiments.ratio_cuped`);
- ``guardrails`` are read out like metrics but kept out of the multiple-testing family;
- ``optional`` names metrics whose missing values mean "not observable yet" (retention_7 of
  a user exposed yesterday): those rows are left out of that metric only.

Each row gets a ``decision``: an increase or decrease (better or worse: higher is better
unless the metric is in ``lower_is_better``) when the adjusted p-value is below alpha, "no
significant difference" otherwise; a guardrail that is significantly worse FAILS; a failed
SRM check overrides every decision.
"""
# Over 350 lines: a 19-line docstring states the method, and the readout types and the one
# pipeline that fills them (SRM, each metric, the correction) read best top to bottom.

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from applens.errors import (
    DataError,
    InsufficientDataError,
    InvalidParameterError,
    SchemaError,
    did_you_mean,
)
from applens.experiments.bayesian import bayesian
from applens.experiments.cuped import cuped
from applens.experiments.frequentist import ratio_test, ttest
from applens.experiments.multiple import Correction, adjust_pvalues
from applens.experiments.nonparametric import bootstrap, mann_whitney
from applens.experiments.ratio_cuped import RatioCupedStats, ratio_cuped
from applens.experiments.sequential import DEFAULT_N_STAR, sequential_test
from applens.experiments.srm import SRMResult, srm
from applens.experiments.stats import RatioStats, SampleStats, control_ratio, linearize
from applens.formatting import p_equals

__all__ = [
    "ExtraReadouts", "MetricReadout", "MetricSpec", "Readout", "analyze_frame", "default_metrics",
    "is_id_column", "parse_metric",
]

Kind = Literal["mean", "proportion", "ratio"]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    column: str | None = None
    numerator: str | None = None
    denominator: str | None = None

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None


def parse_metric(text: str) -> MetricSpec:
    """``"col"``, ``"num/den"`` or ``"name=num/den"``."""
    name, _, body = text.partition("=") if "=" in text else (text, "", text)
    if "/" in body:
        num, den = (part.strip() for part in body.split("/", 1))
        return MetricSpec(name.strip() if "=" in text else f"{num}/{den}", None, num, den)
    return MetricSpec(text.strip(), text.strip())


@dataclass(frozen=True)
class MetricReadout:
    metric: str
    kind: Kind
    control: str
    treatment: str
    n_control: int
    n_treatment: int
    control_mean: float
    treatment_mean: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float
    method: str
    prob_treatment_better: float | None = None  # bootstrap
    mann_whitney_p: float | None = None
    linearized_p: float | None = None
    cuped_theta: float | None = None
    chance_to_win: float | None = None  # bayesian: P(relative lift > 0)
    expected_loss: float | None = None  # bayesian: E[max(−lift, 0)] if treatment ships
    sequential_p: float | None = None  # always-valid p-value (confidence sequence)
    sequential_ci_low: float | None = None
    sequential_ci_high: float | None = None
    role: str = "metric"  # or "guardrail" (not in the multiple-testing family)
    decision: str = ""
    status: str = "ok"
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Readout:
    control: str
    treatments: tuple[str, ...]
    srm: SRMResult
    metrics: tuple[MetricReadout, ...]
    alpha: float
    correction: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control, "treatments": list(self.treatments),
            "srm": self.srm.to_dict(), "alpha": self.alpha, "correction": self.correction,
            "notes": list(self.notes), "metrics": [m.to_dict() for m in self.metrics],
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([m.to_dict() for m in self.metrics])

    def metric(self, name: str, treatment: str | None = None) -> MetricReadout:
        for item in self.metrics:
            if item.metric == name and treatment in (None, item.treatment):
                return item
        raise KeyError(name)


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        raise SchemaError(
            f"Metric column {column!r} is not in the data.{did_you_mean(column, frame.columns)}"
            f" Columns: {', '.join(map(str, frame.columns))}."
        )
    series = frame[column]
    if series.dtype == bool:
        return series.to_numpy(dtype=float)
    converted = pd.to_numeric(series, errors="coerce")
    bad = series[converted.isna() & series.notna()]
    if len(bad):
        raise DataError(
            f"Metric column {column!r} has non-numeric values such as {bad.iloc[0]!r} "
            f"({len(bad)} rows). Fix or drop those rows."
        )
    if converted.isna().any():
        raise DataError(
            f"Metric column {column!r} has {int(converted.isna().sum())} missing values."
        )
    return converted.to_numpy(dtype=float)


def _arms(labels: pd.Series, control: str | None, notes: list[str]) -> tuple[str, list[str]]:
    names = sorted(labels.unique())
    if len(names) < 2:
        raise InsufficientDataError(f"Need at least 2 groups; the group column has {names}.")
    if control is None:
        if len(names) > 2:
            raise InvalidParameterError(
                f"There are {len(names)} groups ({', '.join(names)}); say which is the control "
                "with --control."
            )
        control = names[0]
        notes.append(f"No control given; using {control!r} (first in sorted order).")
    if control not in names:
        raise InvalidParameterError(
            f"Unknown control arm {control!r}.{did_you_mean(control, names)} "
            f"Arms: {', '.join(names)}."
        )
    return control, [n for n in names if n != control]


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0.0, 1.0)).all())


# userid, user_id, session_uuid, ID, customerId: names of identifiers, never of metrics.
_ID_NAME = re.compile(r"(?i)(?:^|_|[a-z])(?:id|uuid|guid)$")


def is_id_column(series: pd.Series) -> bool:
    """An identifier rather than a metric: a name ending in id/_id/uuid (unless the values
    are only 0/1, e.g. ``paid``), or integers/strings that are unique per row."""
    if series.dtype == bool:
        return False
    values = series.dropna()
    if _ID_NAME.search(str(series.name)):
        return not (pd.api.types.is_numeric_dtype(values) and values.isin((0, 1)).all())
    integral = pd.api.types.is_integer_dtype(values) or pd.api.types.is_string_dtype(values)
    return integral and len(values) > 2 and values.is_unique


def default_metrics(frame: pd.DataFrame, group_col: str,
                    notes: list[str] | None = None) -> list[str]:
    """Every numeric or boolean column except the group column and identifiers; ``notes``
    gets a sentence naming the chosen and the left-out columns."""
    numeric = [col for col in frame.columns if col != group_col
               and (frame[col].dtype == bool or pd.api.types.is_numeric_dtype(frame[col]))]
    ids = [col for col in frame.columns if col != group_col and is_id_column(frame[col])]
    chosen = [col for col in numeric if col not in ids]
    if notes is not None:
        left = f" Left out as identifiers: {', '.join(map(str, ids))}." if ids else ""
        notes.append(f"Metrics: {', '.join(map(str, chosen)) or 'none'} (every numeric or "
                     f"boolean column; choose with --metric).{left}")
    return chosen


@dataclass(frozen=True)
class ExtraReadouts:
    """Optional readouts beside the fixed-horizon test, on the unadjusted statistics:
    ``bayesian`` — chance to win and expected loss of the relative lift (Normal prior with
    sd ``prior_sd``, flat when None); ``sequential`` — the always-valid p-value and interval
    (confidence sequence tuned at ``n_star`` units) for teams that look every day."""

    bayesian: bool = False
    prior_sd: float | None = None
    sequential: bool = False
    n_star: float = DEFAULT_N_STAR


def _extras(sc: SampleStats | RatioStats, st: SampleStats | RatioStats, options: ExtraReadouts,
            alpha: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if options.bayesian:
        post = bayesian(sc, st, relative=True, prior_sd=options.prior_sd, alpha=alpha)
        out.update(chance_to_win=post.chance_to_win,
                   expected_loss=post.expected_loss_treatment)
    if options.sequential:
        seq = sequential_test(sc, st, alpha=alpha, n_star=options.n_star)  # type: ignore[arg-type]
        out.update(sequential_p=seq.p_value, sequential_ci_low=seq.ci_low,
                   sequential_ci_high=seq.ci_high)
    return out


def _one(
    spec: MetricSpec, c: pd.DataFrame, t: pd.DataFrame, names: tuple[str, str], *, alpha: float,
    pre: str | None, n_resamples: int, seed: int | None, robust: bool,
    options: ExtraReadouts = ExtraReadouts(),
) -> MetricReadout:
    extra: dict[str, Any] = {}
    if spec.is_ratio:
        assert spec.numerator is not None and spec.denominator is not None
        xc, yc = _numeric(c, spec.numerator), _numeric(c, spec.denominator)
        xt, yt = _numeric(t, spec.numerator), _numeric(t, spec.denominator)
        sc, st = RatioStats.from_values(xc, yc), RatioStats.from_values(xt, yt)
        if pre is not None:
            pre_num, slash, pre_den = pre.partition("/")
            if not slash:
                raise InvalidParameterError(
                    f"The pre-period of ratio metric {spec.name!r} must be NUM_COLUMN/DEN_COLUMN; "
                    f"got {pre!r}.")
            cc, ct = (RatioCupedStats.from_values(
                x, y, _numeric(part, pre_num.strip()), _numeric(part, pre_den.strip()))
                for x, y, part in ((xc, yc, c), (xt, yt, t)))
            absolute = ratio_cuped(cc, ct, alpha=alpha)
            rel = ratio_cuped(cc, ct, relative=True, alpha=alpha)
            extra["cuped_theta"] = absolute.theta
        else:
            absolute = ratio_test(sc, st, alpha=alpha)
            rel = ratio_test(sc, st, relative=True, alpha=alpha)
        kind: Kind = "ratio"
        if yc.sum() != 0:
            k = control_ratio(xc, yc)
            lin = ttest(SampleStats.from_values(linearize(xc, yc, k)),
                        SampleStats.from_values(linearize(xt, yt, k)), alpha=alpha)
            extra["linearized_p"] = lin.p_value
    else:
        assert spec.column is not None
        vc, vt = _numeric(c, spec.column), _numeric(t, spec.column)
        kind = "proportion" if _is_binary(vc) and _is_binary(vt) else "mean"
        sc, st = SampleStats.from_values(vc), SampleStats.from_values(vt)
        if pre is not None:
            pc, pt = _numeric(c, pre), _numeric(t, pre)
            absolute = cuped(vc, vt, pc, pt, alpha=alpha)
            rel = cuped(vc, vt, pc, pt, relative=True, alpha=alpha)
            extra["cuped_theta"] = absolute.theta
        else:
            absolute = ttest(sc, st, alpha=alpha)
            rel = ttest(sc, st, relative=True, alpha=alpha)
        if robust and vc.size >= 2 and vt.size >= 2:
            boot = bootstrap(vc, vt, n_resamples=n_resamples, seed=seed, alpha=alpha)
            extra["prob_treatment_better"] = boot.get("prob_treatment_better")
            if kind == "mean":
                extra["mann_whitney_p"] = mann_whitney(vc, vt).p_value
    extra.update(_extras(sc, st, options, alpha))
    warnings = tuple(str(w) for w in absolute.warnings + rel.warnings)
    return MetricReadout(
        spec.name, kind, names[0], names[1], absolute.n_control, absolute.n_treatment,
        absolute.control_mean, absolute.treatment_mean, absolute.estimate, absolute.ci_low,
        absolute.ci_high, absolute.p_value, math.nan, rel.estimate, rel.ci_low, rel.ci_high,
        absolute.method, status=absolute.status, warnings=tuple(dict.fromkeys(warnings)),
        **extra,
    )


def _observed(frame: pd.DataFrame, spec: MetricSpec) -> pd.DataFrame:
    columns = [col for col in (spec.column, spec.numerator, spec.denominator) if col]
    for col in columns:
        if col not in frame.columns:
            _numeric(frame, col)  # raises the SchemaError with a did-you-mean
    return frame.dropna(subset=columns)


def _decide(row: MetricReadout, alpha: float, srm_ok: bool, lower_is_better: bool) -> str:
    if not srm_ok:
        return "untrustworthy: sample ratio mismatch"
    if row.status != "ok" or math.isnan(row.p_adjusted):
        return f"not computed ({row.status})"
    significant = row.p_adjusted < alpha
    worse = (row.difference > 0) if lower_is_better else (row.difference < 0)
    if row.role == "guardrail":
        return "FAILED: significantly worse" if significant and worse else "ok"
    if not significant:
        return "no significant difference"
    return ("significant increase" if row.difference > 0 else "significant decrease") + (
        " (worse)" if worse else " (better)")


def analyze_frame(
    frame: pd.DataFrame,
    *,
    group_col: str,
    metrics: Sequence[str | MetricSpec] | None = None,
    control: str | None = None,
    weights: Mapping[str, float] | None = None,
    pre: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    correction: Correction = "holm",
    n_resamples: int = 2000,
    seed: int | None = 0,
    robust: bool = True,
    guardrails: Sequence[str | MetricSpec] = (),
    optional: Collection[str] = (),
    extras: ExtraReadouts = ExtraReadouts(),
    lower_is_better: Collection[str] = (),
) -> Readout:
    """Read out an experiment from a per-unit table (see the module docstring).

    ``metrics`` defaults to every numeric or boolean column except the group column and
    identifiers (:func:`is_id_column`), named in a note;
    ``weights`` maps arm → planned share for SRM (equal by default).
    """
    if group_col not in frame.columns:
        raise SchemaError(
            f"Group column {group_col!r} is not in the data."
            f"{did_you_mean(group_col, frame.columns)}"
        )
    notes: list[str] = []
    labels = frame[group_col].astype(str)
    control, treatments = _arms(labels, control, notes)
    arms = [control, *treatments]
    counts = [int((labels == arm).sum()) for arm in arms]
    for arm, count in zip(arms, counts, strict=True):
        if count < 2:
            raise InsufficientDataError(
                f"Arm {arm!r} has {count} unit(s); each arm needs at least 2 to compare."
            )
    if weights is not None:
        unknown = set(weights) - set(arms)
        if unknown:
            raise InvalidParameterError(
                f"Weights name unknown arms {sorted(unknown)}; arms: {arms}."
            )
    plan = None if weights is None else [float(weights.get(arm, 0.0)) for arm in arms]
    srm_result = srm(counts, plan)
    if not srm_result.ok:
        notes.insert(0, f"SAMPLE RATIO MISMATCH ({p_equals(srm_result.p_value)}): the split "
                        "does not match its weights; the results below are not trustworthy.")
    if metrics is None:
        metrics = default_metrics(frame, group_col, notes)
    specs = [m if isinstance(m, MetricSpec) else parse_metric(m) for m in metrics]
    guards = [m if isinstance(m, MetricSpec) else parse_metric(m) for m in guardrails]
    if not specs:
        raise InvalidParameterError("No metrics to analyse; pass --metric COLUMN.")
    pre = dict(pre or {})
    frame = frame.assign(**{group_col: labels})
    rows: dict[str, list[MetricReadout]] = {"metric": [], "guardrail": []}
    for role, family in (("metric", specs), ("guardrail", guards)):
        for arm in treatments:
            for spec in family:
                data = _observed(frame, spec) if spec.name in optional else frame
                part = data[group_col]
                row = _one(spec, data[part == control], data[part == arm], (control, arm),
                           alpha=alpha, pre=pre.get(spec.name), n_resamples=n_resamples,
                           seed=seed, robust=robust, options=extras)
                rows[role].append(MetricReadout(**{**asdict(row), "role": role}))
        if role == "metric":
            adjusted = adjust_pvalues([r.p_value for r in rows[role]], correction)
        else:  # guardrails: each judged on its own p-value
            adjusted = [r.p_value for r in rows[role]]
        rows[role] = [MetricReadout(**{**asdict(r), "p_adjusted": p})
                      for r, p in zip(rows[role], adjusted, strict=True)]
    out = [MetricReadout(**{**asdict(r), "decision": _decide(r, alpha, srm_result.ok,
                                                              r.metric in lower_is_better)})
           for r in rows["metric"] + rows["guardrail"]]
    return Readout(control, tuple(treatments), srm_result, tuple(out), alpha, correction,
                   tuple(notes))
