"""The Vega / Vega-Lite / vega-embed JavaScript, served by the app itself (no CDN).

vl-convert bundles the three libraries (and their dependencies) into one script that sets
``window.vegaEmbed``. Bundling takes a few seconds, so the result is cached in memory and in
a file under the user's cache folder, keyed by the vl-convert version.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from applens._files import atomic_write

__all__ = ["vega_bundle"]

_lock = threading.Lock()
_cached: str | None = None


def _cache_file() -> Path:
    import vl_convert

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "applens"
    version = getattr(vl_convert, "__version__", "unknown")
    return root / f"vega-bundle-{version}.js"


def vega_bundle() -> str:
    """The bundled script (generated once per machine, then read from the cache)."""
    global _cached
    with _lock:
        if _cached is None:
            path = _cache_file()
            try:
                _cached = path.read_text(encoding="utf-8")
            except OSError:
                import vl_convert

                _cached = vl_convert.javascript_bundle()
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(path, _cached)  # a concurrent reader never sees half a file
                except OSError:
                    pass  # a read-only home only costs the bundling time next start
        return _cached
