"""The dashboard pages, one module per page family; each registers its builders in
``PAGES`` with ``@page("key", "Title", order=N)`` (see ``applens.web.pages._base``)."""

from applens.web.pages._base import (
    PAGES,
    Filters,
    Page,
    PageData,
    StrictJSONResponse,
    build_page,
    data_range,
    page,
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
    "page",
    "parse_filters",
    "slice_options",
    "uploads_dir",
]
