"""Frozen result records shared by every experiment test."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Alternative", "ResultWarning", "TestResult"]

Alternative = Literal["two-sided", "greater", "less"]


@dataclass(frozen=True)
class ResultWarning:
    """A non-fatal condition: a code from ``experiments.codes`` and a sentence for humans."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class TestResult:
    """Outcome of comparing treatment with control.

    ``estimate`` is treatment minus control (or that difference divided by ``|control_mean|``
    when ``relative``); ``ci_low``/``ci_high`` is its confidence interval at ``1 - alpha``
    (one-sided alternatives have an infinite bound). Fields that a method does not define
    are ``nan`` (``dof`` for z-tests, ``se`` for rank tests).
    """

    __test__ = False  # not a pytest test class, despite the name

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    statistic: float
    dof: float
    relative: bool
    alternative: Alternative
    alpha: float
    control_mean: float
    treatment_mean: float
    n_control: int
    n_treatment: int
    status: str = "ok"
    warnings: tuple[ResultWarning, ...] = ()
    theta: float | None = None  # CUPED adjustment coefficient
    extra: tuple[tuple[str, float], ...] = field(default=())  # method-specific numbers

    @property
    def significant(self) -> bool:
        """``p_value < alpha`` (False when the test could not be computed)."""
        return self.status == "ok" and not math.isnan(self.p_value) and self.p_value < self.alpha

    def get(self, name: str) -> float:
        """A method-specific number from ``extra`` (e.g. ``prob_treatment_better``)."""
        return dict(self.extra)[name]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = [str(w) for w in self.warnings]
        data.update(dict(self.extra))
        del data["extra"]
        data["significant"] = self.significant
        return data
