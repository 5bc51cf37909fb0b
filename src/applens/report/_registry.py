"""The registry of report sections: small functions ``(ws, period) -> Section | None``.

A section returns ``None`` when the workspace has nothing for it (no crash events, no
declared experiments…), so the report shows only what applies. Adding a section is one
module in ``applens.report.sections`` with ``@register("key", order=N)`` on its function.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from applens.errors import ApplensError, UnknownComponentError, did_you_mean

if TYPE_CHECKING:
    from applens.report._model import Period, Section
    from applens.workspace import Workspace

__all__ = ["SectionFunction", "build_sections", "register", "section_names", "sections"]

log = logging.getLogger(__name__)

SectionFunction = Callable[["Workspace", "Period"], "Section | None"]


@dataclass(frozen=True)
class _Entry:
    key: str
    order: int
    build: SectionFunction


_SECTIONS: dict[str, _Entry] = {}


def register(key: str, *, order: int) -> Callable[[SectionFunction], SectionFunction]:
    """Add a section function under ``key``; ``order`` places it in the report."""

    def decorate(build: SectionFunction) -> SectionFunction:
        _SECTIONS[key] = _Entry(key, order, build)
        return build

    return decorate


def _load_builtins() -> None:
    import applens.report.sections as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"applens.report.sections.{info.name}")


def section_names() -> list[str]:
    _load_builtins()
    return [e.key for e in sorted(_SECTIONS.values(), key=lambda e: e.order)]


def sections(only: list[str] | None = None) -> list[tuple[str, SectionFunction]]:
    """The registered sections in report order (``only``: just these keys)."""
    names = section_names()
    for name in only or []:
        if name not in _SECTIONS:
            raise UnknownComponentError(
                f"No report section '{name}'.{did_you_mean(name, names)} "
                f"Sections: {', '.join(names)}.")
    return [(n, _SECTIONS[n].build) for n in names if not only or n in only]


def build_sections(ws: Workspace, period: Period, only: list[str] | None = None
                   ) -> tuple[list[Section], dict[str, str]]:
    """Every section that applies, and for sections that failed on this data, why.

    A section that fails with a user-facing error (for example a query on a column the
    data lacks) is left out and reported, so one odd table never costs the whole report.
    """
    built, skipped = [], {}
    for name, build in sections(only):
        try:
            section = build(ws, period)
        except ApplensError as exc:
            log.warning("report section %s skipped: %s", name, exc)
            skipped[name] = str(exc)
            continue
        if section is None:  # a section that does not say why still shows up as skipped
            skipped[name] = f"Nothing to show for {name} in {period}."
        else:
            built.append(section)
    return built, skipped
