"""The Jinja2 environment of the dashboard: autoescaping on for every template."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

__all__ = ["STATIC_DIR", "templates"]

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.autoescape = True  # user data (event names, values, file names) is always escaped
