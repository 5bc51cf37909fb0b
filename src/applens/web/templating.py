"""The Jinja2 environment of the dashboard: autoescaping on for every template."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi.templating import Jinja2Templates

__all__ = ["STATIC_DIR", "templates"]

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.autoescape = True  # user data (event names, values, file names) is always escaped


def _cell(value: Any) -> Any:
    """A table cell: missing values (None, NaN, NaT) print as nothing."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value


templates.env.filters["cell"] = _cell
