"""Breakdown labels shared by the Ibis queries and the rollups' SQL (no Ibis here: ingest
writes rollup slices under these labels and imports nothing heavy)."""

__all__ = ["NONE_LABEL", "OTHER_LABEL"]

NONE_LABEL = "(none)"  # null and empty breakdown values share one label
OTHER_LABEL = "Other"
