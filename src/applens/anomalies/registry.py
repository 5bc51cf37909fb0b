"""The detector registry: names -> classes. The CLI, monitor and contract tests read it."""

from __future__ import annotations

from typing import Any

from applens.anomalies._base import BaseDetector
from applens.anomalies.default import DefaultDetector
from applens.anomalies.levelshift import LevelShiftDetector
from applens.anomalies.seasonal import SeasonalDetector
from applens.anomalies.simple import SimpleIQRDetector
from applens.errors import InvalidParameterError, UnknownComponentError, did_you_mean

__all__ = ["DETECTORS", "detector_names", "get_detector", "register_detector"]

DETECTORS: dict[str, type[BaseDetector]] = {}


def register_detector(cls: type[BaseDetector]) -> type[BaseDetector]:
    """Add a detector class under its ``name`` (usable as a decorator)."""
    if not cls.name:
        raise InvalidParameterError(f"{cls.__name__} has no 'name' to register under.")
    DETECTORS[cls.name] = cls
    return cls


for _cls in (DefaultDetector, SeasonalDetector, LevelShiftDetector, SimpleIQRDetector):
    register_detector(_cls)


def detector_names() -> list[str]:
    return sorted(DETECTORS)


def get_detector(name: str = "default", **params: Any) -> BaseDetector:
    """A new, unfitted detector by registry name, with ``params`` set."""
    try:
        cls = DETECTORS[name]
    except KeyError:
        raise UnknownComponentError(
            f"No detector named '{name}'.{did_you_mean(name, DETECTORS)} "
            f"Available: {', '.join(detector_names())}."
        ) from None
    return cls().set_params(**params)
