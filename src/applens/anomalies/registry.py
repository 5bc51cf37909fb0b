"""The detector registry: names -> classes. The CLI, monitor and contract tests read it.

A detector is one module in ``applens.anomalies`` with ``@DETECTORS.register("name")`` on
its class (the class's ``name`` is its registry key); the registry imports every public
module of the package, so nothing else is edited.
"""

from __future__ import annotations

from typing import Any

from applens.anomalies._base import BaseDetector
from applens.errors import InvalidParameterError
from applens.registry import Registry

__all__ = ["DETECTORS", "detector_names", "get_detector", "register_detector"]


def _check(name: str, cls: type[BaseDetector]) -> None:
    if not (isinstance(cls, type) and issubclass(cls, BaseDetector)):
        raise InvalidParameterError(
            f"Detector '{name}' must be a BaseDetector subclass; got {cls!r}.")
    if "name" not in vars(cls) or not cls.name:
        cls.name = name  # the registry key is the detector's name
    elif cls.name != name:
        raise InvalidParameterError(
            f"{cls.__name__} declares name '{cls.name}' but is registered as '{name}'; "
            "use one name for both.")


DETECTORS: Registry[type[BaseDetector]] = Registry(
    "detector", hint="Run 'applens anomalies list'.", discover="applens.anomalies",
    check=_check)


def register_detector(cls: type[BaseDetector]) -> type[BaseDetector]:
    """Add a detector class under its ``name`` (usable as a decorator)."""
    if not cls.name:
        raise InvalidParameterError(f"{cls.__name__} has no 'name' to register under.")
    return DETECTORS.add(cls.name, cls)


def detector_names() -> list[str]:
    return sorted(DETECTORS)


def get_detector(name: str = "default", **params: Any) -> BaseDetector:
    """A new, unfitted detector by registry name, with ``params`` set."""
    return DETECTORS.get(name)().set_params(**params)
