"""Content-access investigations (issue 13): who reads what, quiet members, access after the
end, cross-program access, scrapers and outlier days, over an access log and a memberships
table. Each question is a function over :class:`AccessData`; the CLI (``applens access``),
``applens query`` kinds (``access_*``), the report section and the dashboard page call them.
"""

from applens.access._base import AccessData, Answer
from applens.access._rules import AccessOptions, ContentRules, content_sql
from applens.access.content import top_content
from applens.access.cross import cross_program
from applens.access.outliers import outlier_days
from applens.access.people import after_end, quiet_members
from applens.access.scrapers import read_places, scrapers

__all__ = ["AccessData", "AccessOptions", "Answer", "ContentRules", "after_end", "content_sql",
           "cross_program", "outlier_days", "quiet_members", "read_places", "scrapers",
           "top_content"]
