"""Every applens chart: Altair (Vega-Lite) specs rendered offline by vl-convert.

One module per chart family (``applens.charts.activity``, ``.retention``, ``.anomaly`` …);
each returns an ``alt.Chart``. ``save_chart`` writes HTML with the scripts inlined, PNG or
SVG, with no browser and no network.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt

from applens.errors import InvalidParameterError

__all__ = ["png_bytes", "save_chart"]


def save_chart(chart: alt.TopLevelMixin, path: Path, *, scale: float = 2.0) -> Path:
    """HTML (offline, JS inlined), PNG or SVG by the file's suffix; returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        chart.save(str(path), inline=True)
    elif suffix == ".png":
        path.write_bytes(png_bytes(chart, scale=scale))
    elif suffix == ".svg":
        chart.save(str(path))
    else:
        raise InvalidParameterError(f"Chart files must end in .html, .png or .svg; got {path.name}.")
    return path


def png_bytes(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as PNG (scale 2 stays sharp in chat apps)."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(), scale=scale)
