"""Query specs: the declarative description of every insight (validated with pydantic).

A spec is data (JSON or TOML). ``parse_spec`` turns a dict into one of the ``*Spec`` models
and turns pydantic's errors into a one-line ``QueryError`` naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from applens._validation import more_problems, problems
from applens.errors import QueryError, did_you_mean
from applens.insights._formula import parse_property_metric
from applens.insights._where import checked_where
from applens.insights.registry import KINDS

__all__ = [
    "ActiveUsersSpec",
    "Breakdown",
    "CommonSpec",
    "ConversionWindow",
    "EventSelector",
    "Exclusion",
    "FunnelSpec",
    "LifecycleSpec",
    "PropertyFilter",
    "RetentionSpec",
    "Series",
    "Spec",
    "StickinessCriteria",
    "StickinessSpec",
    "TrendsSpec",
    "parse_spec",
]

Interval = Literal["hour", "day", "week", "month"]
Operator = Literal["exact", "is_not", "icontains", "gt", "lt", "is_set", "is_not_set"]
ActiveMath = Literal["total", "dau", "wau", "mau", "unique_sessions", "per_user_avg"]
TrendMath = Literal[
    "total", "dau", "wau", "mau", "unique_sessions", "per_user_avg", "sum", "avg", "min", "max",
    "share",
]
# The property-metric grammar (insights._formula): AGG:EXPR → a trends math over EXPR.
_PROPERTY_MATH = {"sum": "sum", "mean": "avg", "share": "share"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PropertyFilter(_Model):
    """``{"key", "type", "operator", "value"}``; ``exact`` takes a list (any match)."""

    key: str = Field(min_length=1)
    type: Literal["event", "person"] = "event"
    operator: Operator = "exact"
    value: Any = None

    @field_validator("value")
    @classmethod
    def _no_nested(cls, value: Any) -> Any:
        if isinstance(value, dict):
            raise ValueError("must be a scalar or a list of scalars")
        return value

    def values(self) -> list[Any]:
        """The value as a list (``exact``/``is_not`` accept a scalar too)."""
        return list(self.value) if isinstance(self.value, (list, tuple)) else [self.value]

    @model_validator(mode="after")
    def _check(self) -> Any:
        if self.operator in ("exact", "is_not", "icontains", "gt", "lt") and self.value is None:
            raise ValueError(f"operator '{self.operator}' needs a value")
        if self.operator in ("gt", "lt"):
            try:
                float(self.value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"operator '{self.operator}' needs a number, got {self.value!r}"
                ) from None
        return self


class Breakdown(_Model):
    """A property to slice by; ``bins`` (ascending edges) buckets a number, e.g. ages
    ``[18, 25, 35]`` give ``<18``, ``18-24``, ``25-34``, ``35+``."""

    type: Literal["event", "person"] = "event"
    property: str = Field(min_length=1)
    bins: list[int] | None = Field(None, min_length=1, max_length=50)

    @field_validator("bins")
    @classmethod
    def _ascending(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(a >= b for a, b in zip(value, value[1:], strict=False)):
            raise ValueError("bins must be strictly ascending")
        return value


class EventSelector(_Model):
    """An event name (``None``: any event) plus filters that apply to it only."""

    event: str | None = None
    properties: list[PropertyFilter] = []


class _Common(_Model):
    timezone: str | None = None
    week_start: Literal["sunday", "monday"] | None = None
    interval: Interval = "day"
    date_from: str | None = None
    date_to: str | None = None
    now: datetime | None = None
    event: str | None = None
    properties: list[PropertyFilter] = []
    breakdown: Breakdown | None = None
    breakdown_limit: int = Field(25, ge=1, le=10_000)
    # An SQL condition on events applied before the insight, e.g. "Quantity > 0".
    where: str | None = None

    _condition = field_validator("where")(checked_where)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"'{value}' is not an IANA timezone (e.g. 'Europe/Berlin')"
                ) from None
        return value


CommonSpec = _Common  # the fields every kind shares: a new kind's spec subclasses it


class ActiveUsersSpec(_Common):
    kind: Literal["active_users"]
    math: list[ActiveMath] = Field(default_factory=lambda: ["dau"], min_length=1)


class StickinessCriteria(_Model):
    operator: Literal["gte", "lte", "exact"] = "gte"
    value: int = Field(ge=0)


class StickinessSpec(_Common):
    kind: Literal["stickiness"]
    interval_count: int = Field(1, ge=1)
    criteria: StickinessCriteria | None = None
    cumulative: bool = False


class LifecycleSpec(_Common):
    kind: Literal["lifecycle"]

    @model_validator(mode="after")
    def _check(self) -> Any:
        if self.breakdown is not None:
            raise ValueError("lifecycle does not support a breakdown")
        return self


class RetentionSpec(_Common):
    kind: Literal["retention"]
    total_intervals: int = Field(11, ge=1, le=1000)
    retention_type: Literal["recurring", "first_time", "first_ever"] = "recurring"
    target: EventSelector | None = None
    returning: EventSelector | None = None
    cumulative: bool = False
    minimum_occurrences: int = Field(1, ge=1)
    # PostHog's timeWindowMode: returns by calendar period, or by 24-hour windows per actor.
    time_window_mode: Literal["strict_calendar_dates", "24_hour_windows"] = (
        "strict_calendar_dates"
    )


class ConversionWindow(_Model):
    value: int = 14
    unit: Literal["second", "minute", "hour", "day", "week", "month"] = "day"


class Exclusion(_Model):
    event: str
    from_step: int = Field(0, ge=0)
    to_step: int = Field(1, ge=1)


class FunnelSpec(_Common):
    kind: Literal["funnel"]
    steps: list[EventSelector] = Field(min_length=1, max_length=20)
    order: Literal["ordered", "strict", "unordered"] = "ordered"
    conversion_window: ConversionWindow = ConversionWindow()
    exclusions: list[Exclusion] = []
    breakdown_attribution: Literal["first_touch", "last_touch", "all_steps", "step"] = (
        "first_touch"
    )
    breakdown_attribution_step: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Any:
        n = len(self.steps)
        for i, exc in enumerate(self.exclusions):
            if not exc.from_step < exc.to_step <= n - 1:
                raise ValueError(
                    f"exclusions[{i}] needs 0 <= from_step < to_step <= {n - 1} "
                    f"(steps count from 0), got {exc.from_step}..{exc.to_step}"
                )
        if self.breakdown_attribution == "step":
            step = self.breakdown_attribution_step
            if step is None or step >= n:
                raise ValueError(
                    f"breakdown_attribution 'step' needs breakdown_attribution_step in 0..{n - 1}"
                )
        if self.exclusions and self.order == "unordered":
            raise ValueError("exclusions need an ordered or strict funnel")
        return self


class Series(_Model):
    """One trends series; it is named ``A``, ``B``… in formulas by its position.

    ``math_property`` is a property or arithmetic over properties (``Quantity * Price``);
    ``metric = "sum:Quantity*Price"`` (the property-metric grammar, also used by experiments
    and monitors) is short for ``math = "sum"`` with that ``math_property`` (``mean:`` → avg,
    ``share:`` → share of events where it is true). Revenue per user: this series over a
    ``dau`` series, ``formula = "A / B"``."""

    event: str | None = None
    properties: list[PropertyFilter] = []
    math: TrendMath = "total"
    math_property: str | None = None
    metric: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _metric(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("metric") is not None:
            try:
                prop = parse_property_metric(str(data["metric"]))
            except QueryError as exc:
                raise ValueError(str(exc).rstrip(".")) from None
            math = _PROPERTY_MATH[prop.agg]
            if (data.get("math_property") not in (None, prop.expression)
                    or data.get("math", "total") not in ("total", math)):
                raise ValueError("give either metric or math/math_property, not both")
            data = {**data, "math": math, "math_property": prop.expression}
        return data

    @model_validator(mode="after")
    def _check(self) -> Any:
        if self.math in ("sum", "avg", "min", "max", "share") and not self.math_property:
            raise ValueError(f"math '{self.math}' needs math_property")
        return self


class TrendsSpec(_Common):
    kind: Literal["trends"]
    series: list[Series] = Field(min_length=1, max_length=26)
    formula: str | None = None


Spec = Annotated[
    ActiveUsersSpec | StickinessSpec | LifecycleSpec | RetentionSpec | FunnelSpec | TrendsSpec,
    Field(discriminator="kind"),
]
SpecModel = (
    ActiveUsersSpec | StickinessSpec | LifecycleSpec | RetentionSpec | FunnelSpec | TrendsSpec
)


def parse_spec(spec: Any) -> SpecModel:
    """Validate a dict (or return a spec model as is); errors become one-line QueryErrors."""
    if isinstance(spec, BaseModel):
        return spec  # type: ignore[return-value]
    if not isinstance(spec, dict):
        raise QueryError(f"A query spec must be a JSON object, got {type(spec).__name__}.")
    kind = spec.get("kind")
    if kind not in KINDS:
        hint = did_you_mean(str(kind), KINDS) if kind is not None else ""
        raise QueryError(
            f"Spec field 'kind': {'missing' if kind is None else repr(kind) + ' is unknown'}."
            f"{hint} Choose one of: {', '.join(KINDS)}."
        )
    try:
        return KINDS[kind].spec.model_validate(spec)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise QueryError(_one_line(exc, kind)) from None


def _one_line(exc: ValidationError, kind: str) -> str:
    # An unknown field explains the rest (a misspelt required field is also "missing").
    known = tuple(KINDS[kind].spec.model_fields) if kind in KINDS else ()
    found = problems(exc, known=known,
                     unknown=f"is not a {kind} option.", tag=(kind,))  # kind: the union's tag
    first, more = found[0], more_problems(found)
    field = first.key or "spec"
    if first.unknown:
        return f"Spec field '{field}' {first.message}{more}"
    return f"Spec field '{field}': {first.message}.{more}".replace("..", ".")

