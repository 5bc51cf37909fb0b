"""applens: product analytics and app-health monitoring for mobile and web apps.

>>> from applens import Workspace, query                      # doctest: +SKIP
>>> from applens.ingest import ingest                         # doctest: +SKIP
>>> ws = Workspace.init("my-app"); ingest(ws, "events.csv")     # doctest: +SKIP
>>> query({"kind": "active_users", "math": ["dau"]}, ws).to_dict()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Workspace", "__version__", "query"]

if TYPE_CHECKING:
    from applens.insights import query
    from applens.workspace import Workspace


def __getattr__(name: str) -> Any:
    # Lazy: `import applens` (and every CLI start) stays fast; heavy modules load on use.
    if name == "Workspace":
        from applens.workspace import Workspace

        return Workspace
    if name == "query":
        from applens.insights import query

        return query
    raise AttributeError(f"module 'applens' has no attribute {name!r}")
