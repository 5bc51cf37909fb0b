"""The insight-kind registry: ``kind`` -> its spec model, its runner and how it starts.

A kind is one module in ``applens.insights`` (named like the kind) whose runner
``(ctx, spec) -> Result`` carries ``@insight_kind("name", spec=NameSpec)``; the spec model
is a ``_Common`` subclass in ``applens.insights.spec`` (or the kind's own module) with
``kind: Literal["name"]``. ``parse_spec`` and ``run`` read the registry, which imports every
public module of the package, so nothing else is edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from applens.registry import Registry

__all__ = ["KINDS", "InsightKind", "insight_kind"]

# Typed loosely on purpose: the runner's Context and Result live above this module.
Runner = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class InsightKind:
    """One insight kind.

    ``default_from`` is how far back the kind looks when a spec gives no ``date_from``;
    ``context`` (optional) builds the runner's context instead of the shared one, called as
    ``context(spec, backend, timezone=..., week_start=..., now=...)``.
    """

    spec: type[Any]
    run: Runner
    default_from: str | None = "-7d"
    context: Callable[..., Any] | None = None


# applens.access.kinds: the access questions (issue 13); named here, not imported, because
# applens.access reads applens.models, which reads this package.
KINDS: Registry[InsightKind] = Registry(
    "insight kind", discover=("applens.insights", "applens.access.kinds"))


def insight_kind(name: str, *, spec: type[Any], default_from: str | None = "-7d",
                 context: Callable[..., Any] | None = None, order: float | None = None,
                 ) -> Callable[[Runner], Runner]:
    """Decorator: register the runner as insight kind ``name`` validated by ``spec``."""

    def decorate(run: Runner) -> Runner:
        KINDS.add(name, InsightKind(spec, run, default_from, context), order=order)
        return run

    return decorate
