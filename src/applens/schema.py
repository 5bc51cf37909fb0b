"""The canonical tables every source is mapped onto.

``events`` is the heart: one row per thing a user did. ``users`` holds person properties and
``tickets`` support texts. Columns not listed here are kept as properties with the type they
had in the source. Columns whose name starts with ``_`` are applens bookkeeping (for example
``_ingest_id``) and are never treated as properties.

Timestamps are stored as naive ``TIMESTAMP`` values in UTC. Naive source values are read as
wall-clock time in the workspace timezone; values with an offset keep their instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Column", "TABLES", "TableSpec", "is_internal", "table_spec"]

Kind = Literal["timestamp", "string", "double", "integer"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    description: str = ""
    min_value: float | None = None  # impossible below this (integer/double only)
    max_value: float | None = None
    not_empty: bool = False  # a blank string is as bad as a missing value
    planned: bool = False  # a timestamp that may lie ahead (a cohort's end), not only past


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    aliases: dict[str, tuple[str, ...]]  # canonical name -> common source names, lower-case
    description: str = ""
    key: str | None = None  # rows with the same key replace older ones (person properties)
    consistent: tuple[str, ...] = ()  # rows with the same key must agree on these (labels)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _optional_strings(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n, "string") for n in names)


EVENTS = TableSpec(
    name="events",
    description="One row per action of a user: views, likes, messages, crashes, requests.",
    columns=(
        Column("ts", "timestamp", required=True, description="when it happened (UTC)"),
        Column("user_id", "string", required=True, not_empty=True, description="who did it"),
        Column("event", "string", required=True, not_empty=True, description="what they did"),
        *_optional_strings(
            "session_id", "app_version", "os", "device", "country", "city", "source",
            "ip", "path", "screen", "receiver_id",
        ),
        Column("value", "double", description="a number carried by the event (revenue, ms)"),
    ),
    aliases={
        "ts": ("timestamp", "time", "datetime", "event_time", "event_ts", "created_at", "date"),
        "user_id": ("user", "userid", "uid", "user_pseudo_id", "distinct_id", "customer_id"),
        "event": ("action", "event_name", "event_type", "name"),
        "session_id": ("session", "sessionid"),
        "app_version": ("version", "appversion"),
        "receiver_id": ("receiver", "to_user_id"),
    },
)

USERS = TableSpec(
    name="users",
    key="user_id",
    description="One row per person, with person properties.",
    columns=(
        Column("user_id", "string", required=True, not_empty=True),
        Column("created_at", "timestamp", description="signup time (UTC)"),
        Column("age", "integer", min_value=0, max_value=120),
        *_optional_strings("gender", "country", "city", "os", "source", "cohort", "program"),
        Column("start_date", "timestamp", planned=True),
        Column("end_date", "timestamp", planned=True),
    ),
    aliases={
        "user_id": ("user", "userid", "uid", "customer_id", "distinct_id"),
        "created_at": ("signup_date", "signup_at", "registered_at", "registration_date"),
    },
)

TICKETS = TableSpec(
    name="tickets",
    key="ticket_id",
    description="Support tickets and other user-written texts.",
    columns=(
        Column("ticket_id", "string", required=True, not_empty=True),
        Column("text", "string", required=True, not_empty=True),
        Column("user_id", "string"),
        Column("ts", "timestamp"),
        *_optional_strings("label", "category", "channel", "negativity", "type"),
    ),
    consistent=("negativity", "type"),
    aliases={
        "ticket_id": ("id", "ticket", "request_id"),
        "text": ("message", "body", "comment", "description"),
        "ts": ("timestamp", "created_at", "time", "date"),
    },
)

MEMBERSHIPS = TableSpec(
    name="memberships",
    description="Who belongs to which group when: a cohort's program and dates (no user_id), "
                "or one person's stay in a cohort (with user_id). See applens.access.",
    columns=(
        Column("cohort", "string", required=True, not_empty=True,
               description="the group (cohort, team, plan) id"),
        Column("user_id", "string", description="the person; empty for the cohort's own row"),
        *_optional_strings("program", "name"),
        Column("start_date", "timestamp", planned=True),
        Column("end_date", "timestamp", planned=True),
    ),
    aliases={
        "cohort": ("cohort_id", "id", "group", "group_id"),
        "program": ("program_id", "plan", "product"),
        "name": ("cohort_name", "title"),
        "start_date": ("start", "starts_at", "started_at"),
        "end_date": ("end", "ends_at", "ended_at"),
    },
)

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (EVENTS, USERS, TICKETS)}
TABLES["memberships"] = MEMBERSHIPS


def table_spec(name: str) -> TableSpec:
    from applens.errors import InvalidParameterError, did_you_mean

    try:
        return TABLES[name]
    except KeyError:
        raise InvalidParameterError(
            f"There is no canonical table '{name}'.{did_you_mean(name, TABLES)} "
            f"Choose one of: {', '.join(TABLES)}."
        ) from None


def is_internal(column: str) -> bool:
    """Bookkeeping columns (``_ingest_id``…) are not properties."""
    return column.startswith("_")
