"""Every applens chart: Altair (Vega-Lite) specs rendered offline by vl-convert.

One module per chart family; each function takes a tidy DataFrame or an insight ``Result``
and returns an Altair chart:

=========================  ===============================================================
``charts.activity``        ``active_users_chart`` (DAU / WAU / MAU lines)
``charts.stickiness``      ``stickiness_chart`` (intervals active), ``dau_mau_chart``
``charts.lifecycle``       ``lifecycle_chart`` (dormant below the axis)
``charts.retention``       ``retention_heatmap`` (cohorts; breakdowns side by side)
``charts.funnel``          ``funnel_chart`` (steps with conversion rates)
``charts.breakdown``       ``breakdown_chart`` (a metric per slice)
``charts.experiment``      ``effect_chart`` (relative lift with CIs)
``charts.crashes``         ``crash_rate_chart`` (crash rate by app_version, Wilson CIs)
``charts.bots``            ``bot_scatter``
``charts.personas``        ``persona_chart`` (persona × feature heatmap)
``charts.completeness``    ``completeness_heatmap`` (rows per day × source/table)
``charts.access``          ``cross_program_chart``, ``top_content_chart`` (content access)
=========================  ===============================================================

``save_chart`` writes HTML with the scripts inlined, PNG or SVG, with no browser and no
network; ``png_bytes`` / ``svg_text`` / ``chart_spec`` give the same in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from applens._files import atomic_path, atomic_write
from applens.errors import InvalidParameterError
from applens.serialize import to_jsonable

__all__ = ["chart_spec", "png_bytes", "save_chart", "svg_text"]


def save_chart(chart: alt.TopLevelMixin, path: Path, *, scale: float = 2.0) -> Path:
    """HTML (offline, JS inlined), PNG or SVG by the file's suffix; returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        with atomic_path(path) as temp:
            chart.save(str(temp), format="html", inline=True)
    elif suffix == ".png":
        atomic_write(path, png_bytes(chart, scale=scale))
    elif suffix == ".svg":
        atomic_write(path, svg_text(chart))
    else:
        raise InvalidParameterError(
            f"Chart files must end in .html, .png or .svg; got {path.name}."
        )
    return path


def png_bytes(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as PNG (scale 2 stays sharp in chat apps)."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart_spec(chart), scale=scale)


def svg_text(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart_spec(chart))


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite JSON spec (data inlined, strict JSON types), for embedding in a page."""
    spec: dict[str, Any] = to_jsonable(chart.to_dict())
    return spec
