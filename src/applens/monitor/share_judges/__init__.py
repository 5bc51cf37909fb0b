"""Share judges, one module each, registered in ``SHARE_JUDGES`` (see ``_registry``)."""

from applens.monitor.share_judges._registry import (
    SHARE_JUDGES,
    ShareJudge,
    ShareVerdicts,
    get_share_judge,
)

__all__ = ["SHARE_JUDGES", "ShareJudge", "ShareVerdicts", "get_share_judge"]
