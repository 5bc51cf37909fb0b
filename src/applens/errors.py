"""The one exception tree of applens.

    ApplensError                   anything a user can fix; the CLI prints "Error: <message>"
     ├── ConfigError               applens.toml / environment / arguments are wrong
     ├── InvalidParameterError     a parameter value is out of its domain (also a ValueError)
     ├── NotFoundError             a file, table, workspace or component does not exist
     │    └── UnknownComponentError   a registry has no such name (suggests close ones)
     ├── DataError                 the data itself is wrong
     │    ├── SchemaError          a required column is missing or has the wrong type
     │    ├── InsufficientDataError   not enough data for the requested computation
     │    └── TooManyRejectsError  an ingest rejected more rows than --max-rejects allows
     ├── SourceError               a file or database cannot be read
     ├── QueryError                an insight spec is invalid or its query failed
     ├── NotFittedError            a detector or model is used before fit (also ValueError)
     ├── ArtifactError             a saved model or artefact is missing, foreign or tampered
     └── AlertDeliveryError        a notification could not be delivered

Every message says what is wrong, what we got and how to fix it. The web layer maps
``status_code`` to the HTTP status.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AlertDeliveryError",
    "ApplensError",
    "ArtifactError",
    "ConfigError",
    "DataError",
    "InsufficientDataError",
    "InvalidParameterError",
    "NotFittedError",
    "NotFoundError",
    "QueryError",
    "SchemaError",
    "SourceError",
    "TooManyRejectsError",
    "UnknownComponentError",
    "did_you_mean",
]


class ApplensError(Exception):
    """Base of every error a user can act on."""

    status_code = 400


class ConfigError(ApplensError):
    """Settings are invalid: names the file (or variable) and the key."""


class InvalidParameterError(ApplensError, ValueError):
    """A parameter is outside its domain."""


class NotFoundError(ApplensError):
    """Something named by the user does not exist."""

    status_code = 404


class UnknownComponentError(NotFoundError):
    """A registry lookup failed; the message suggests close names."""


class DataError(ApplensError):
    """The data is wrong (as opposed to the settings)."""

    status_code = 422


class SchemaError(DataError):
    """A required column is missing or cannot be used."""


class InsufficientDataError(DataError):
    """There is not enough data for the computation."""


class TooManyRejectsError(DataError):
    """An ingest rejected more rows than allowed; nothing was written."""


class SourceError(ApplensError):
    """A file or database could not be read."""


class QueryError(ApplensError):
    """An insight spec is invalid or its query failed."""


class NotFittedError(ApplensError, ValueError, AttributeError):
    """A detector or model was used before ``fit``."""


class ArtifactError(ApplensError):
    """A stored artefact is missing, foreign or has been tampered with."""


class AlertDeliveryError(ApplensError):
    """A notification channel did not accept the message."""

    status_code = 502


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return " Did you mean 'x'?" for the closest candidate, or "" if none is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""
