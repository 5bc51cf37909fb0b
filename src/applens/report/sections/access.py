"""Access: the six content-access questions over the report period (``applens.access``).

Shown only for a workspace with a ``memberships`` table (an access log with cohorts); the
findings and tables are ``applens.access.overview``'s, the same as the dashboard's Access page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.access import AccessData
from applens.access.overview import overview
from applens.report._model import Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import require_events, utc_bounds

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace


@register("access", order=110)
def access(ws: Workspace, period: Period) -> Section | None:
    if not ws.has_table("memberships"):
        return None
    require_events(ws)
    start, end = utc_bounds(ws, period)
    found = overview(AccessData.from_workspace(ws), start, end)
    findings = found.findings + [f"{name} skipped: {why}" for name, why in found.skipped.items()]
    return Section(
        "access", "Content access",
        summary=" ".join(found.notes) or "Who reads what, quiet cohorts, after-the-end and "
                                         "cross-program access, scrapers, outlier days.",
        findings=findings,
        tables=[TableBlock(title, frame.head(10)) for _, title, frame in found.tables],
        data={"cards": dict(found.cards), "skipped": found.skipped})
