"""Compatibility names: the dashboard pages moved to ``applens.web.pages`` (one module per
page family, each registering itself in ``PAGES``)."""

from __future__ import annotations

from applens.web.pages import (
    PAGES,
    Filters,
    Page,
    PageData,
    StrictJSONResponse,
    build_page,
    data_range,
    parse_filters,
    slice_options,
    uploads_dir,
)

__all__ = [
    "PAGES",
    "Filters",
    "Page",
    "PageData",
    "StrictJSONResponse",
    "build_page",
    "data_range",
    "parse_filters",
    "slice_options",
    "uploads_dir",
]
