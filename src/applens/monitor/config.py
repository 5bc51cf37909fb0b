"""``[monitors.<name>]`` in applens.toml: what to watch, how to judge it, whom to tell.

    [monitors.events]
    event = "view"                 # or series = [{event = "view"}, {event = "like"}]
    math = "total"                 #    with formula = "B / A" (CTR)
                                   # or metric = "sum:Quantity*Price" (property metrics)
    dimensions = ["os", "app_version"]
    slice = "15m"
    min_volume = 50
    cooldown = "4h"

    [monitors.complaints]          # support tickets instead of events, per day
    tickets = "negative_share"     # or "volume"
    dimensions = ["app_version"]   # or ["type"]; slice "1d" and history "91d" by default

The metric reuses the insight engine's models (``Series``, ``PropertyFilter`` and the
formula checker), so a monitor reads like a trends query cut into slices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from applens._validation import problems
from applens.errors import ConfigError, InvalidParameterError, QueryError
from applens.insights import _formula
from applens.insights.spec import PropertyFilter, Series
from applens.monitor.share_judges import SHARE_JUDGES, get_share_judge

__all__ = ["MonitorConfig", "load_monitors", "parse_duration", "parse_mute"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days",
          "w": "weeks"}
_MUTE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# Monitors count slices of the events table; rolling windows (wau, mau) are day concepts.
_SLICE_MATHS = ("total", "dau", "unique_sessions", "sum", "avg", "min", "max", "share")


def parse_duration(text: str) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d"``, ``"1w"`` → timedelta (ValueError otherwise)."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a duration; write it like '15m', '2h' or '1d'")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def parse_mute(text: str) -> tuple[time, time]:
    """A daily window ``"22:00-07:00"`` (may wrap midnight) → (start, end)."""
    match = _MUTE.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a daily window; write it like '22:00-07:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise ValueError(f"'{text}' has an impossible time of day")
    return time(h1, m1), time(h2 % 24, m2)


class MonitorConfig(BaseModel):
    """One ``[monitors.<name>]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    # -- the metric (a trends series, or several with a formula) ---------------------------
    event: str | None = Field(None, description="event to count (all events when unset)")
    math: str = Field("total", description="total, dau (distinct users), unique_sessions, sum…")
    math_property: str | None = None
    metric: str | None = Field(None, description="property metric, e.g. 'sum:Quantity*Price'")
    series: list[Series] = Field(default_factory=list, description="A, B… for a formula")
    formula: str | None = Field(None, description="e.g. 'B / A' for likes per view")
    properties: list[PropertyFilter] = Field(default_factory=list, description="event filters")
    tickets: Literal["volume", "negative_share"] | None = Field(
        None, description="watch support tickets per day instead of events: 'volume' or "
        "'negative_share' (dimensions: type or app_version)")
    dimensions: list[str] = Field(default_factory=list, description="one series per value combo")
    # -- slicing and judging -------------------------------------------------------------
    slice: str = "15m"
    history: str = "28d"
    catch_up: str = "1d"
    delay: str = "0m"
    detector: str = "default"
    params: dict[str, Any] = Field(default_factory=dict)
    min_volume: float = Field(0.0, ge=0)
    min_abs_change: float = Field(0.0, ge=0)
    direction: Literal["both", "drop", "spike"] = Field("both", description="what may alert")
    # -- alert lifecycle -----------------------------------------------------------------
    cooldown: str = "4h"
    worse_factor: float = Field(1.5, gt=1.0)
    resolve_after: int = Field(2, ge=1)
    confirm: int = Field(1, ge=1, le=96, description="slices in a row before an alert opens")
    mute: list[str] = Field(default_factory=list, description="daily quiet windows")
    channels: list[str] | None = Field(None, description="Apprise URLs; default [notify] urls")
    dashboard_url: str | None = Field(None, description="the applens dashboard's address; "
                                      "alert lines link to its anomalies page")
    enabled: bool = True

    @field_validator("slice", "history", "catch_up", "delay", "cooldown")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("mute")
    @classmethod
    def _windows(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_mute(item)
        return value

    @field_validator("math")
    @classmethod
    def _math(cls, value: str) -> str:
        if value not in _SLICE_MATHS:
            raise ValueError(f"'{value}' is not a slice math; use one of {', '.join(_SLICE_MATHS)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _daily_tickets(cls, data: Any) -> Any:
        # Ticket metrics are per day: a tickets monitor's slice is a day, and its history
        # a quarter (the detectors calibrate daily rows on six weeks before they judge).
        # A negative share is judged on its ticket counts, which needs no such history.
        if isinstance(data, Mapping) and data.get("tickets") is not None:
            judge = {"detector": "proportion"} if data["tickets"] == "negative_share" else {}
            return {"slice": "1d", "history": "91d", **judge, **data}
        return data

    @model_validator(mode="after")
    def _check(self) -> MonitorConfig:
        if self.tickets is not None:
            self._check_tickets()
        if self.detector in SHARE_JUDGES:
            self._check_share_judge()
        step = self.slice_step
        if step <= timedelta(0) or timedelta(days=1) % step:
            raise ValueError(f"slice '{self.slice}' must divide a day evenly (e.g. 5m, 15m, 1h)")
        if self.series and (self.event is not None or self.metric is not None):
            raise ValueError("give either event/metric (one series) or series (with a formula), "
                             "not both")
        try:
            self.metric_series  # noqa: B018 - validates metric (the property-metric grammar)
        except ValidationError as exc:
            raise ValueError(_one_problem(exc)) from None
        if len(self.series) > 1 and not self.formula:
            raise ValueError("several series need a formula, e.g. formula = 'B / A'")
        if self.formula:
            names = [chr(ord("A") + i) for i in range(len(self.metric_series))]
            try:
                _formula.validate(self.formula, names)
            except QueryError as exc:
                raise ValueError(str(exc).removeprefix("Spec field 'formula': ")) from None
        return self

    def _check_share_judge(self) -> None:
        if self.tickets != "negative_share":
            raise ValueError(f"detector '{self.detector}' judges the ticket counts behind a "
                             "share; use it with tickets = 'negative_share'")
        try:
            get_share_judge(self.detector, dict(self.params))
        except InvalidParameterError as exc:
            raise ValueError(f"detector '{self.detector}': {exc}".rstrip(".")) from None

    def _check_tickets(self) -> None:
        if self.slice_step != timedelta(days=1):
            raise ValueError(f"tickets = '{self.tickets}' is measured per day; set slice = '1d'")
        given = [k for k in ("event", "metric", "math_property", "formula")
                 if getattr(self, k) is not None]
        given += [k for k in ("series", "properties") if getattr(self, k)]
        given += ["math"] if self.math != "total" else []
        if given:
            raise ValueError(f"a tickets monitor takes no event settings ({', '.join(given)}); "
                             "remove them or declare a second monitor for events")
        if len(self.dimensions) > 1 or any(d not in ("type", "app_version")
                                           for d in self.dimensions):
            raise ValueError(f"a tickets monitor is cut by one of 'type' or 'app_version', not "
                             f"{self.dimensions}")

    # -- derived -------------------------------------------------------------------------
    @property
    def metric_series(self) -> list[Series]:
        if self.series:
            return list(self.series)
        if self.metric is not None:
            return [Series(event=self.event, metric=self.metric, math=self.math,
                           math_property=self.math_property)]
        return [Series(event=self.event, math=self.math, math_property=self.math_property)]

    @property
    def slice_step(self) -> timedelta:
        return parse_duration(self.slice)

    def duration(self, key: str) -> timedelta:
        return parse_duration(getattr(self, key))

    def mute_windows(self) -> list[tuple[time, time]]:
        return [parse_mute(m) for m in self.mute]

    @property
    def unit(self) -> str:
        """``"share"`` when the value is a fraction of 1 (printed as a percentage), else
        ``""`` (see ``applens.formatting.metric_value``)."""
        series = self.metric_series
        shares = self.tickets == "negative_share" or (
            self.tickets is None and not self.formula and series[0].math == "share")
        return "share" if shares else ""

    @property
    def label(self) -> str:
        """How the metric reads in a message: ``view count``, ``B / A of view, like``."""
        if self.tickets is not None:
            return "ticket count" if self.tickets == "volume" else "negative ticket share"
        if self.formula:
            events = ", ".join(s.event or "any event" for s in self.metric_series)
            return f"{self.formula} of {events}"
        s = self.metric_series[0]
        what = {"total": "count", "dau": "users", "unique_sessions": "sessions"}.get(s.math, s.math)
        return f"{s.event or 'events'} {what}"


def _one_problem(exc: ValidationError) -> str:
    return problems(exc)[0].message.rstrip(".")


def load_monitors(section: Mapping[str, Mapping[str, Any]], source: str = "applens.toml"
                  ) -> dict[str, MonitorConfig]:
    """Validate every ``[monitors.<name>]`` table; one ConfigError names the first bad key."""
    monitors: dict[str, MonitorConfig] = {}
    for name, table in section.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: 'monitors.{name}' must be a table ([monitors.{name}]).")
        try:
            monitors[name] = MonitorConfig(**{**table, "name": name})
        except ValidationError as exc:
            raise ConfigError(_explain(exc, name, table, source)) from None
    return monitors


def _explain(exc: ValidationError, name: str, table: Mapping[str, Any], source: str) -> str:
    options = [f for f in MonitorConfig.model_fields if f != "name"]
    first = problems(exc, prefix=("monitors", name), known=options,
                     unknown="is not a monitor setting.")[0]
    if first.unknown:
        return f"{source}: {first.sentence()} Settings: {', '.join(options)}."
    return f"{source}: {first.sentence(with_input=True)}. Fix it in [monitors.{name}]."
