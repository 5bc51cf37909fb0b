"""Options of each model, read from ``[models.<name>]`` in applens.toml and validated here."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from applens._validation import problems
from applens.errors import ConfigError

__all__ = ["ChurnOptions", "CrashOptions", "FeatureOptions", "PersonaOptions", "options_for"]


class FeatureOptions(BaseModel):
    """How behaviour is summarised per user (shared by every user-level model)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback_days: int = Field(28, ge=1, le=366, description="history used for features")
    max_event_kinds: int = Field(12, ge=1, le=50, description="most common events counted")
    view_event: str = Field("view", description="event counted as an impression (CTR)")
    click_event: str = Field("like", description="event counted as a click (CTR)")
    crash_event: str = Field("crash", description="event that marks a crash")


class ChurnOptions(FeatureOptions):
    label: Literal["inactivity", "cancel_event"] = Field(
        "inactivity", description="churned = no activity in horizon, or a cancel event in it"
    )
    horizon_days: int = Field(14, ge=1, le=366, description="days after the cutoff judged")
    cancel_event: str | None = Field(None, description="event meaning 'cancelled' (cancel_event)")
    min_positives: int = Field(20, ge=2, description="refuse to train with fewer churners")
    min_gain: float = Field(
        0.01, ge=0, description="ROC-AUC a model must add over logistic regression to replace it"
    )

    @model_validator(mode="after")
    def _cancel_needs_event(self) -> ChurnOptions:
        if self.label == "cancel_event" and not self.cancel_event:
            raise ValueError("label = 'cancel_event' needs cancel_event = '<event name>'")
        return self


class CrashOptions(FeatureOptions):
    window_days: int = Field(14, ge=1, le=366, description="sessions used for training")
    predict_days: int = Field(1, ge=1, le=366, description="sessions scored by predict")
    min_positives: int = Field(20, ge=2, description="refuse to train with fewer crashes")


class PersonaOptions(FeatureOptions):
    k_min: int = Field(3, ge=2, le=20)
    k_max: int = Field(8, ge=2, le=20)
    sample_size: int = Field(20_000, ge=100, description="users used to choose k")

    @model_validator(mode="after")
    def _range(self) -> PersonaOptions:
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) must be at least k_min ({self.k_min})")
        return self


OPTIONS: dict[str, type[BaseModel]] = {
    "churn": ChurnOptions, "crash": CrashOptions, "personas": PersonaOptions,
}


def options_for(name: str, raw: dict[str, Any] | None, **overrides: Any) -> Any:
    """Validated options of model ``name`` from its ``[models.<name>]`` table."""
    kind = OPTIONS.get(name, FeatureOptions)
    values = {**(raw or {}), **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return kind(**values)
    except ValidationError as exc:
        found = problems(exc, known=kind.model_fields, unknown="unknown option.")
        raise ConfigError(
            f"applens.toml [models.{name}]: "
            + "; ".join(f"'{p.key or '(table)'}' {p.message}" for p in found)
            + f". Options: {', '.join(kind.model_fields)}."
        ) from None
