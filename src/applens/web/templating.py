"""The Jinja2 environment of the dashboard: autoescaping on for every template."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from applens import formatting

__all__ = ["STATIC_DIR", "templates"]

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.autoescape = True  # user data (event names, values, file names) is always escaped


# Table cells and numbers in the shared formats (applens.formatting): missing values print
# as nothing, counts grouped, other numbers with 3 significant digits.
templates.env.filters.update(formatting.TEMPLATE_FILTERS)
