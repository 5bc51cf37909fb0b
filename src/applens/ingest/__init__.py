"""Ingestion: files and database tables into the canonical warehouse tables."""

from applens.ingest.load import IngestSummary, ingest, ingest_many, parse_max_rejects

__all__ = ["IngestSummary", "ingest", "ingest_many", "parse_max_rejects"]
