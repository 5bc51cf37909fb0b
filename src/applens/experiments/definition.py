"""Experiments declared in ``applens.toml`` (``[experiments.<name>]``), validated here.

``Settings.experiments`` keeps each table raw; :func:`experiment_config` turns one into an
:class:`ExperimentConfig` and reports mistakes as one :class:`ConfigError` that names the
key (``experiments.<name>.<key>``) with a did-you-mean.

Metrics (``metrics`` and ``guardrails``), each optionally prefixed ``NAME=``:

- ``retention_N`` — 1 if the user had any event on local calendar day N after exposure;
- ``conversion:EVENT`` — 1 if the user did EVENT at least once after exposure;
- ``count:EVENT`` — EVENT events per user;
- ``revenue:EVENT`` (or ``sum:EVENT``) — Σ ``value`` of the user's EVENT events;
- ``EVENT/EVENT`` — a ratio of per-user counts such as ``ctr=like/view`` (delta method);
- ``mean:EXPR``, ``share:EXPR``, ``sum:EXPR`` — a property metric (the grammar of
  :mod:`applens.insights._formula`): the mean of an event property over the user's events,
  the share of them where it is true, or its sum, e.g. ``mean:converted``,
  ``revenue=sum:Quantity*Price``. ``sum:NAME`` is the sum of the property NAME when the
  events have such a column, else Σ ``value`` of NAME events (as above).

``where`` (an SQL condition on events, :mod:`applens.insights._where`) drops events before
anything is read out, e.g. rows a tracking bug logged with the wrong page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from applens._validation import problems
from applens.errors import ConfigError, NotFoundError, QueryError, did_you_mean
from applens.insights._formula import PropertyMetric, parse_property_metric
from applens.insights._where import checked_where, columns_of

__all__ = ["ExperimentConfig", "MetricDef", "experiment_config", "parse_metric_def"]

MetricKind = Literal["retention", "conversion", "count", "sum", "ratio", "property"]
_RETENTION = re.compile(r"retention_(\d+)")
_EVENT = re.compile(r"[^\s:/=]+")
_SOURCES = ("exposure_event", "users_column", "events_column", "assignment_table", "salt")
_EXPRESSION = re.compile(r"[*+/()\s]")
_TABLE_SETTINGS = {"assignment_user_column", "assignment_variant_column", "assignment_time_column"}


@dataclass(frozen=True)
class MetricDef:
    """One metric of a declared experiment. ``event``/``denominator`` are event names;
    ``day`` is N for ``retention_N``; ``prop`` is the property metric of kind
    ``property``."""

    name: str
    kind: MetricKind
    event: str | None = None
    denominator: str | None = None
    day: int | None = None
    prop: PropertyMetric | None = None

    def resolved(self, columns: list[str]) -> MetricDef:
        """``sum:NAME`` where NAME is an events column is that property's sum."""
        if self.kind == "sum" and self.event in columns:
            return MetricDef(self.name, "property", prop=PropertyMetric("sum", self.event))
        return self


def parse_metric_def(text: str) -> MetricDef:
    """Parse one entry of ``metrics`` (grammar in the module docstring)."""
    text = text.strip()
    name, sep, body = text.partition("=")
    name, body = (name.strip(), body.strip()) if sep else ("", text)
    if match := _RETENTION.fullmatch(body):
        day = int(match.group(1))
        if day < 1:
            raise ValueError(f"{text!r}: retention needs a day >= 1")
        return MetricDef(name or body, "retention", day=day)
    kind, colon, event = body.partition(":")
    if colon:
        kinds = {"conversion": "conversion", "count": "count", "revenue": "sum", "sum": "sum",
                 "mean": "property", "share": "property"}
        if kind not in kinds:
            raise ValueError(f"{text!r}: unknown metric kind {kind!r}.{did_you_mean(kind, kinds)} "
                             "Use conversion:, count:, revenue:, sum:, mean: or share:")
        if kinds[kind] == "property" or (kinds[kind] == "sum" and _EXPRESSION.search(event)):
            try:
                prop = parse_property_metric(f"{'sum' if kind == 'revenue' else kind}:{event}")
                columns_of(prop.expression, text)
            except QueryError as exc:
                raise ValueError(str(exc).rstrip(".")) from None
            label = re.sub(r"\W+", "_", prop.expression).strip("_")
            return MetricDef(name or f"{kind}_{label}", "property", prop=prop)
        if not _EVENT.fullmatch(event):
            raise ValueError(f"{text!r}: give an event name after {kind}:")
        kind_name = kinds[kind]
        return MetricDef(name or f"{kind}_{event}", kind_name, event=event)  # type: ignore[arg-type]
    num, slash, den = body.partition("/")
    if slash and _EVENT.fullmatch(num.strip()) and _EVENT.fullmatch(den.strip()):
        num, den = num.strip(), den.strip()
        return MetricDef(name or f"{num}_per_{den}", "ratio", event=num, denominator=den)
    raise ValueError(
        f"{text!r} is not a metric: use retention_N, conversion:EVENT, count:EVENT, "
        "revenue:EVENT, NAME=EVENT/EVENT or a property metric (mean:PROPERTY, "
        "share:PROPERTY, sum:EXPRESSION)"
    )


class ExperimentConfig(BaseModel):
    """One ``[experiments.<name>]`` table. Exactly one assignment source:
    ``exposure_event`` (+ ``variant_property``), ``users_column``, ``assignment_table``
    (+ ``assignment_user_column``, ``assignment_variant_column``, ``assignment_time_column``)
    or ``salt``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    exposure_event: str | None = Field(None, description="event that exposes a user")
    variant_property: str = Field("variant", description="events column holding the arm")
    users_column: str | None = Field(None, description="users column holding the arm")
    events_column: str | None = Field(None, description="events column holding the arm")
    where: str | None = Field(None, description="SQL condition on events, e.g. \"value > 0\"")
    assignment_table: str | None = Field(None, description="warehouse table, a row per user")
    assignment_user_column: str = Field("user_id", description="assignment_table's user id column")
    assignment_variant_column: str = Field("variant", description="assignment_table's arm column")
    assignment_time_column: str | None = Field(
        None, description="assignment_table's assignment time (UTC); the anchor when given")
    salt: str | None = Field(None, description="salted-hash assignment (applens ab assign)")
    variants: list[str] = Field(min_length=2)
    control: str | None = None
    weights: list[float] | None = None
    start: date
    end: date  # exclusive
    metrics: list[str] = Field(min_length=1)
    guardrails: list[str] = Field(default_factory=list)
    alpha: float = Field(0.05, gt=0, lt=1)
    correction: Literal["holm", "bh", "bonferroni"] = "holm"
    cuped: bool = False
    pre_period_days: int = Field(14, gt=0)
    lower_is_better: list[str] = Field(default_factory=list)
    exclude_bots: bool = False
    bayesian: bool = False
    prior_sd: float | None = Field(None, gt=0)
    sequential: bool = False
    sequential_n_star: float = Field(5000, gt=0)
    bootstrap_resamples: int = Field(2000, ge=0)

    @field_validator("metrics", "guardrails")
    @classmethod
    def _parse(cls, value: list[str]) -> list[str]:
        names = [parse_metric_def(item).name for item in value]
        if len(set(names)) != len(names):
            raise ValueError(f"metric names repeat: {names}")
        return value

    _condition = field_validator("where")(checked_where)

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentConfig:
        sources = [k for k in _SOURCES if getattr(self, k)]
        if len(sources) != 1:
            raise ValueError("give exactly one assignment source: exposure_event, users_column, "
                             "events_column, assignment_table or salt "
                             f"(got {', '.join(sources) or 'none'})")
        # Settings of a table that is not the source would be silently ignored otherwise.
        stray = sorted(self.model_fields_set & _TABLE_SETTINGS)
        if stray and not self.assignment_table:
            raise ValueError(f"set assignment_table to use {', '.join(stray)}")
        if len(set(self.variants)) != len(self.variants):
            raise ValueError(f"variants repeat: {self.variants}")
        if self.control is not None and self.control not in self.variants:
            raise ValueError(f"control {self.control!r} is not one of the variants "
                             f"{self.variants}.{did_you_mean(self.control, self.variants)}")
        if self.weights is not None and (len(self.weights) != len(self.variants)
                                         or min(self.weights) < 0 or sum(self.weights) <= 0):
            raise ValueError("weights need one non-negative number per variant")
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        names = {parse_metric_def(m).name for m in self.metrics}
        every = names | {parse_metric_def(m).name for m in self.guardrails}
        for item in self.lower_is_better:
            if item not in every:
                raise ValueError(f"lower_is_better names {item!r}, which is not a metric or "
                                 f"guardrail name.{did_you_mean(item, every)}")
        if clash := names & {parse_metric_def(m).name for m in self.guardrails}:
            raise ValueError(f"{sorted(clash)} is both a metric and a guardrail")
        return self

    @property
    def control_arm(self) -> str:
        return self.control or self.variants[0]

    @property
    def metric_defs(self) -> list[MetricDef]:
        return [parse_metric_def(m) for m in self.metrics]

    @property
    def guardrail_defs(self) -> list[MetricDef]:
        return [parse_metric_def(m) for m in self.guardrails]


def _explain(name: str, error: ValidationError) -> str:
    found = problems(error, prefix=("experiments", name), known=ExperimentConfig.model_fields,
                     unknown="is not an experiment setting.", missing="is required")
    return "Invalid experiment: " + "; ".join(
        p.sentence() if p.loc else f"experiments.{name}: {p.message}" for p in found) + "."


def experiment_config(experiments: dict[str, dict[str, Any]], name: str, *,
                      overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """The validated ``[experiments.<name>]`` table; ``overrides`` (settings whose value is
    not None) replace the declared values, e.g. the CLI's ``--alpha``."""
    if name not in experiments:
        known = ", ".join(sorted(experiments)) or "none declared"
        raise NotFoundError(f"No experiment {name!r} in applens.toml."
                            f"{did_you_mean(name, experiments)} Experiments: {known}.")
    raw = experiments[name]
    if not isinstance(raw, dict):
        raise ConfigError(f"'experiments.{name}' must be a table ([experiments.{name}]).")
    if "name" in raw:
        raise ConfigError(f"'experiments.{name}.name' is not an experiment setting; the table "
                          "name is the experiment's name.")
    try:
        given = {key: value for key, value in (overrides or {}).items() if value is not None}
        return ExperimentConfig(name=name, **{**raw, **given})
    except ValidationError as exc:
        raise ConfigError(_explain(name, exc)) from None
