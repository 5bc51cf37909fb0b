"""The share judges' registry: count-aware judges for a monitor whose value is a share of
counted things (the negative share of support tickets).

The anomaly detectors see one number per slice and calibrate on weeks of them; a share
of a few tickets a day needs the counts behind it, and a new app version has no weeks.
A share judge sees every series' daily ``hits`` (negative tickets) and ``trials``
(tickets whose negativity is known) at once, and says per series and day whether the
share is off. A monitor picks one by name in ``detector`` (``"proportion"`` is the
default of ``tickets = "negative_share"``); ``params`` are its keyword arguments.

A judge is one public module in ``applens/monitor/share_judges/`` (found on the
registry's first read) registering a frozen dataclass::

    @SHARE_JUDGES.register("name")
    @dataclass(frozen=True)
    class MyJudge:
        def check(self) -> None: ...  # raise InvalidParameterError on a bad parameter
        def judge(self, hits, trials, *, others: bool, direction: str) -> ShareVerdicts: ...
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import numpy as np

from applens.errors import InvalidParameterError
from applens.registry import Registry

__all__ = ["SHARE_JUDGES", "ShareJudge", "ShareVerdicts", "get_share_judge"]


class ShareVerdicts(NamedTuple):
    """Arrays of shape (series, days), like a detector's ``Detection`` per series."""

    value: np.ndarray  # the judged share (NaN where nothing was judged)
    expected: np.ndarray  # the baseline's share
    lower: np.ndarray  # the band's edges at the alert threshold
    upper: np.ndarray
    score: np.ndarray  # in [0, 1]; 0.5 is the alert edge
    alert: np.ndarray  # bool
    judged: np.ndarray  # bool: enough tickets on both sides to judge
    p_value: np.ndarray  # the judged comparison's p-value (1 where nothing was judged)


class ShareJudge(Protocol):
    def check(self) -> None: ...

    def judge(self, hits: np.ndarray, trials: np.ndarray, *, others: bool,
              direction: str = "both") -> ShareVerdicts: ...


SHARE_JUDGES: Registry[type[Any]] = Registry(
    "share judge", hint="Tickets monitors also take any anomaly detector ('applens anomalies "
    "list').", discover="applens.monitor.share_judges")


def get_share_judge(name: str, params: dict[str, Any]) -> ShareJudge:
    """The judge ``name`` with ``params``; a bad parameter raises InvalidParameterError."""
    cls = SHARE_JUDGES.get(name)
    fields = list(cls.__dataclass_fields__)
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise InvalidParameterError(f"'{unknown[0]}' is not a parameter of '{name}'; it takes "
                                    f"{', '.join(fields)}.")
    judge = cls(**params)
    judge.check()
    return judge
