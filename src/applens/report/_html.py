"""The report as one self-contained HTML page: Jinja2 with autoescape, every chart's
Vega-Lite spec embedded as JSON, and the Vega / Vega-Lite / vega-embed JavaScript inlined
(vl-convert's offline bundle), so the page is interactive with no network."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from applens import formatting
from applens._files import atomic_write
from applens.charts import chart_spec

if TYPE_CHECKING:
    from applens.report._model import Report

__all__ = ["render_html", "vega_bundle"]

TEMPLATES = Path(__file__).with_name("templates")


@functools.lru_cache(maxsize=1)
def _bundle_text() -> str:
    import vl_convert

    # Building the bundle takes seconds; it never contains "</script", but make sure.
    return vl_convert.javascript_bundle().replace("</script", "<\\/script")


def vega_bundle(cache_dir: Path | None = None) -> str:
    """The offline JavaScript bundle (vega, vega-lite, vega-embed as window globals);
    cached in ``cache_dir`` (keyed by the vl-convert version) when given."""
    if cache_dir is None:
        return _bundle_text()
    import vl_convert

    version = getattr(vl_convert, "__version__", "unknown")
    path = Path(cache_dir) / f"vega-bundle-{version}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = _bundle_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text)
    return text


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every string from the data (event names, slices…) is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.TEMPLATE_FILTERS)
    return env


def _fill_width(spec: dict[str, Any]) -> dict[str, Any]:
    """A single (or layered) chart as wide as its card; the PNGs keep their fixed width.
    Concatenated and faceted charts keep theirs (Vega cannot size those to a container)."""
    if isinstance(spec.get("width"), (int, float)) and not any(
            key in spec for key in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        spec = {**spec, "width": "container",
                "autosize": {"type": "fit-x", "contains": "padding"}}
    return spec


def render_html(report: Report, *, bundle: str | None = None) -> str:
    """The page; ``bundle`` is the JavaScript to inline (default: ``vega_bundle()``)."""
    from markupsafe import Markup

    charts = []
    for section in report.sections:
        for chart in section.charts:
            charts.append({"id": f"chart-{section.key}-{chart.name}",
                           "spec": _fill_width(chart_spec(chart.chart))})
    script = bundle if bundle is not None else vega_bundle()
    return _environment().get_template("report.html.j2").render(
        report=report, charts=charts, bundle=Markup(script.replace("</script", "<\\/script")),
    )
