"""The registry of report sections: small functions ``(ws, period) -> Section | None``.

A section returns ``None`` when the workspace has nothing for it (no crash events, no
declared experiments…), so the report shows only what applies. Adding a section is one
module in ``applens.report.sections`` with ``@register("key", order=N)`` on its function
(``SECTIONS.register``); the registry imports every public module of that package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from applens.errors import ApplensError
from applens.registry import Registry

if TYPE_CHECKING:
    from applens.report._model import Period, Section
    from applens.workspace import Workspace

__all__ = ["SECTIONS", "SectionFunction", "build_sections", "register", "section_names", "sections"]

log = logging.getLogger(__name__)

SectionFunction = Callable[["Workspace", "Period"], "Section | None"]


SECTIONS: Registry[SectionFunction] = Registry(
    "report section", discover="applens.report.sections")


def register(key: str, *, order: int) -> Callable[[SectionFunction], SectionFunction]:
    """Add a section function under ``key``; ``order`` places it in the report."""
    return SECTIONS.register(key, order=order)


def section_names() -> list[str]:
    return SECTIONS.names()


def sections(only: list[str] | None = None) -> list[tuple[str, SectionFunction]]:
    """The registered sections in report order (``only``: just these keys)."""
    for name in only or []:
        SECTIONS.get(name)  # an unknown name says which ones there are
    return [(n, build) for n, build in SECTIONS.items() if not only or n in only]


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
            log.info("report section %s skipped: %s", name, exc)
            skipped[name] = str(exc)
            continue
        if section is None:  # a section that does not say why still shows up as skipped
            skipped[name] = f"Nothing to show for {name} in {period}."
        else:
            built.append(section)
    return built, skipped
