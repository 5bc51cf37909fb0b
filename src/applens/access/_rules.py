"""``[content]`` and ``[access]`` in applens.toml, and the path -> content item rule in SQL."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from applens._validation import problems
from applens.errors import ConfigError
from applens.ingest.sql import literal
from applens.models.bot_features import ASSET_PATTERN

__all__ = ["AccessOptions", "ContentRules", "content_sql", "unit_sql"]


class ContentRules(BaseModel):
    """``[content]`` in applens.toml: how a request path becomes a content item.

    In order: the query string and fragment are cut, assets (images, CSS, JS, fonts) are left
    out unless ``include_assets``, a file extension is cut (``.html``), numeric path segments
    (ids) are dropped, empty segments (trailing and double slashes) too, and the rest is
    joined by ``/`` without a leading slash (the home page is ``/``). Then the first of
    ``rules`` (regex -> name, in file order) that matches renames the item: the matched part is
    replaced by the name, so ``"^java-i/.*" = "java-i"`` names a whole section and ``\\1``
    refers to a group.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    include_assets: bool = False
    strip_query: bool = True
    strip_extension: bool = True
    strip_numeric_ids: bool = True
    rules: dict[str, str] = Field(default_factory=dict)
    programs: dict[str, str] = Field(
        default_factory=dict,
        description="regex -> program that owns the content (else: the program of most readers)")
    catalog: str | None = Field(
        None, description="file listing every content item or path, one a line (CSV: first "
        "column), so content nobody opened can be named")

    @field_validator("rules", "programs")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value:
            _check_regex(pattern)
        return value


class AccessOptions(BaseModel):
    """``[access]`` in applens.toml: who is left out and the thresholds of the questions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exclude_cohorts: list[str] = Field(default_factory=list, description="cohort ids or names")
    exclude_pattern: str = Field(r"(?i)placeholder|staff|test",
                                 description="cohort names matching it are left out")
    grace_days: int = Field(0, ge=0, description="days after a stay's end still counted in it")
    burst_seconds: int = Field(20, gt=0)
    burst_pages: int = Field(60, gt=1)
    max_ips_per_day: int = Field(8, gt=1)
    max_accounts_per_ip: int = Field(30, gt=1)
    quiet_z: float = Field(-2.0, lt=0)
    owner_share: float = Field(0.75, gt=0.5, le=1)

    @field_validator("exclude_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        return _check_regex(value)


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
    return pattern


def _model(cls: type[BaseModel], values: dict[str, Any], table: str) -> Any:
    try:
        return cls.model_validate(values or {})
    except ValidationError as exc:
        found = problems(exc, known=cls.model_fields, unknown="unknown key.")
        raise ConfigError(f"applens.toml [{table}]: " + "; ".join(
            f"{p.sentence()} (got {p.input!r})" for p in found) + ".") from None


def content_sql(column: str, rules: ContentRules) -> str:
    """SQL turning the path in ``column`` into its content item (NULL for assets)."""
    path = column
    if rules.strip_query:
        path = f"regexp_replace({path}, '[?#].*$', '')"
    if rules.strip_extension:
        path = f"regexp_replace({path}, '[.][A-Za-z0-9]{{1,5}}/?$', '')"
    keep = "x <> ''"
    if rules.strip_numeric_ids:
        keep += " AND NOT regexp_full_match(x, '[0-9]+')"
    norm = (f"coalesce(nullif(array_to_string(list_filter(string_split({path}, '/'), "
            f"lambda x: {keep}), '/'), ''), '/')")
    named = norm
    if rules.rules:
        cases = " ".join(f"WHEN regexp_matches({norm}, {literal(p)}) THEN "
                         f"regexp_replace({norm}, {literal(p)}, {literal(n)})"
                         for p, n in rules.rules.items())
        named = f"CASE {cases} ELSE {norm} END"
    if rules.include_assets:
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {named} END"
    return (f"CASE WHEN {column} IS NULL OR regexp_matches({column}, {literal(ASSET_PATTERN)}) "
            f"THEN NULL ELSE {named} END")


def unit_sql(column: str, rules: ContentRules) -> str:
    """SQL for the unit a content item's owner is decided on (cross-program access): the
    owning program itself under ``programs`` rules (the first match; NULL: none), else the
    item's section, its first path segment."""
    if not rules.programs:
        return f"split_part({column}, '/', 1)"
    cases = " ".join(f"WHEN regexp_matches({column}, {literal(p)}) THEN {literal(v)}"
                     for p, v in rules.programs.items())
    return f"CASE {cases} END"
