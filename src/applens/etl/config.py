"""``[etl.<name>]`` in applens.toml: which metrics, by which slices, at which grain, where.

    [etl.daily_slices]
    metrics = ["dau", "count:view", "count:like", "ratio:like/view", "users:message",
               {name = "likes_per_user", series = [{event = "like"}, {event = "like",
                math = "dau"}], formula = "A / B"}]
    dims = ["os", "source", "person.gender",
            {name = "age_band", property = "person.age", bins = [18, 25, 35, 45]}]
    grain = "day"                   # or "hour"
    target = "warehouse"            # or postgresql://… mysql://… clickhouse://…
    table = "etl_daily_slices"      # default: etl_<name>
    wide_view = true                # also a view <table>_wide: one column per metric

A metric is a string in the explain grammar (``dau``, ``events``, ``count:EVENT``,
``users:EVENT`` = distinct users with EVENT, ``ratio:EVENT/EVENT``) or the property-metric
grammar (``sum:EXPR``, ``mean:EXPR``, ``share:EXPR``), or a table with ``name`` and the
trends fields a monitor takes (``event``, ``math``, ``math_property``, ``metric``,
``series`` + ``formula``, ``properties``). Every metric becomes one trends spec, so its
numbers are the insight engine's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from applens._urls import redact_url
from applens._validation import problems
from applens.errors import ConfigError, QueryError
from applens.insights import _formula
from applens.insights.spec import Breakdown, PropertyFilter, Series

__all__ = ["DimensionDef", "EtlJob", "MetricDef", "load_jobs", "parse_metric"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
TARGET_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb", "clickhouse")
SHORTHANDS = ("dau", "events", "count:EVENT", "users:EVENT", "ratio:EVENT/EVENT", "sum:EXPR",
              "mean:EXPR", "share:EXPR")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricDef(_Model):
    """One metric: trends series (named A, B… in ``formula``) and a name for the table."""

    name: str = Field(min_length=1, max_length=200)
    event: str | None = None
    math: str = "total"
    math_property: str | None = None
    metric: str | None = None
    series: list[Series] = Field(default_factory=list)
    formula: str | None = None
    properties: list[PropertyFilter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> MetricDef:
        if self.series and (self.event is not None or self.metric is not None):
            raise ValueError("give either event/metric (one series) or series (with a formula)")
        if len(self.all_series) > 1 and not self.formula:
            raise ValueError("several series need a formula, e.g. formula = 'A / B'")
        if self.formula:
            names = [chr(ord("A") + i) for i in range(len(self.all_series))]
            try:
                _formula.validate(self.formula, names)
            except QueryError as exc:
                raise ValueError(str(exc).removeprefix("Spec field 'formula': ")) from None
        return self

    @property
    def all_series(self) -> list[Series]:
        if self.series:
            return list(self.series)
        if self.metric is not None:
            return [Series(event=self.event, metric=self.metric)]
        return [Series(event=self.event, math=self.math,  # type: ignore[arg-type]
                       math_property=self.math_property)]

    @property
    def events(self) -> list[str]:
        """The events the metric names (checked against the warehouse before a run)."""
        return [s.event for s in self.all_series if s.event is not None]

    def spec(self) -> dict[str, Any]:
        """The trends spec (without dates and breakdown)."""
        spec: dict[str, Any] = {"kind": "trends",
                                "series": [s.model_dump(exclude_defaults=True, exclude={"metric"})
                                           for s in self.all_series]}
        if self.formula:
            spec["formula"] = self.formula
        if self.properties:
            spec["properties"] = [p.model_dump() for p in self.properties]
        return spec


def parse_metric(text: str) -> MetricDef:
    """A shorthand (``dau``, ``count:view``, ``ratio:like/view``, ``sum:value``…) → MetricDef."""
    name = text.strip()
    kind, _, rest = name.partition(":")
    try:
        if name == "dau":
            return MetricDef(name=name, math="dau")
        if name == "events":
            return MetricDef(name=name)
        if kind == "count" and rest:
            return MetricDef(name=name, event=rest)
        if kind == "users" and rest:
            return MetricDef(name=name, event=rest, math="dau")
        if kind == "ratio" and rest.count("/") == 1 and all(rest.split("/")):
            num, den = rest.split("/")
            return MetricDef(name=name, series=[Series(event=num), Series(event=den)],
                             formula="A / B")
        if kind in _formula.PROPERTY_AGGS and rest:
            return MetricDef(name=name, metric=name)
    except ValidationError as exc:
        raise QueryError(f"Metric '{text}': {problems(exc)[0].message}") from None
    from applens.errors import did_you_mean

    raise QueryError(f"Unknown metric '{text}'.{did_you_mean(text, SHORTHANDS)} Use one of: "
                     f"{', '.join(SHORTHANDS)}, or a table with name and series/formula.")


class DimensionDef(_Model):
    """A slice dimension: an event property, ``person.KEY``, optionally binned (age bands)."""

    name: str = Field(min_length=1, max_length=200)
    property: str = Field(min_length=1)
    bins: list[int] | None = None

    def breakdown(self) -> Breakdown:
        person = self.property.startswith("person.")
        return Breakdown(type="person" if person else "event",
                         property=self.property.removeprefix("person."), bins=self.bins)


class EtlJob(_Model):
    """One ``[etl.<name>]`` table, validated."""

    name: str
    metrics: list[MetricDef] = Field(min_length=1)
    dims: list[DimensionDef] = Field(default_factory=list)
    grain: Literal["day", "hour"] = "day"
    target: str = "warehouse"
    table: str = ""
    wide_view: bool | str = False
    schedule: str = Field("30 2 * * *", description="cron (workspace timezone) for serve "
                          "--schedule: runs yesterday's date")

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [parse_metric(v) if isinstance(v, str) else v for v in value]

    @field_validator("dims", mode="before")
    @classmethod
    def _dims(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [{"name": v, "property": v} if isinstance(v, str) else v for v in value]

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        scheme = value.partition("://")[0].split("+")[0]
        if value != "warehouse" and scheme not in TARGET_SCHEMES:
            raise ValueError(f"'{redact_url(value)}' is not a target: use \"warehouse\" or a "
                             "postgresql://, mysql:// (MariaDB) or clickhouse:// URL")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"'{value}' is not a cron expression; write it like '30 2 * * *' "
                             "(02:30 every day)")
        return value

    @model_validator(mode="after")
    def _check(self) -> EtlJob:
        for what, names in (("metric", [m.name for m in self.metrics]),
                            ("dimension", [d.name for d in self.dims])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what} '{dup[0]}' is listed twice; give one a name")
        for label in (self.table_name, self.view_name):
            if label and not _NAME.match(label):
                raise ValueError(f"'{label}' is not a table name: use letters, digits and _ "
                                 "(at most 63, not starting with a digit)")
        return self

    @property
    def table_name(self) -> str:
        return self.table or f"etl_{self.name}"

    @property
    def view_name(self) -> str | None:
        if self.wide_view is True:
            return f"{self.table_name}_wide"
        return self.wide_view or None

    @property
    def target_label(self) -> str:
        return "warehouse" if self.target == "warehouse" else redact_url(self.target)


def load_jobs(section: Mapping[str, Any], source: str = "applens.toml") -> dict[str, EtlJob]:
    """Validate every ``[etl.<name>]`` table; one ConfigError names the first bad key."""
    jobs: dict[str, EtlJob] = {}
    for name, table in section.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: 'etl.{name}' must be a table ([etl.{name}]).")
        if not _NAME.match(name):
            raise ConfigError(f"{source}: [etl.{name}]: a job name uses letters, digits and _.")
        try:
            jobs[name] = EtlJob(**{**table, "name": name})
        except QueryError as exc:
            raise ConfigError(f"{source}: [etl.{name}]: {exc}") from None
        except ValidationError as exc:
            options = [f for f in EtlJob.model_fields if f != "name"]
            first = problems(exc, prefix=("etl", name), known=options,
                             unknown="is not an etl setting.")[0]
            if first.unknown:
                raise ConfigError(f"{source}: {first.sentence()} Settings: "
                                  f"{', '.join(options)}.") from None
            raise ConfigError(f"{source}: {first.sentence(with_input=True)}. Fix it in "
                              f"[etl.{name}].") from None
    return jobs
