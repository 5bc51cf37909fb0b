"""Which source column feeds which canonical column."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from applens.errors import SchemaError, did_you_mean
from applens.schema import TableSpec

__all__ = ["ResolvedMapping", "parse_map_options", "resolve_mapping"]


@dataclass(frozen=True)
class ResolvedMapping:
    """canonical column -> source columns (several are joined with a space, e.g. date + time)."""

    columns: dict[str, tuple[str, ...]]
    extras: dict[str, str]  # property name -> source column, kept with its own type
    guessed: dict[str, str] = field(default_factory=dict)  # canonical -> source, by alias
    constants: dict[str, str] = field(default_factory=dict)  # canonical -> the same value

    def describe(self) -> str:
        return ", ".join([*(f"{k} <- {'+'.join(v)}" for k, v in self.columns.items()),
                          *(f"{k} <- {CONST}{v}" for k, v in self.constants.items())])

    def to_json(self) -> dict[str, list[str] | str]:
        return {**{k: list(v) for k, v in self.columns.items()},
                **{k: CONST + v for k, v in self.constants.items()}}


CONST = "const:"  # --map event=const:purchase: every row gets this value


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_map_options(options: Sequence[str]) -> dict[str, str | list[str]]:
    """``["ts=date+time", "user_id=uid"]`` -> ``{"ts": ["date", "time"], "user_id": "uid"}``."""
    mapping: dict[str, str | list[str]] = {}
    for option in options:
        canonical, sep, source = option.partition("=")
        if not sep or not canonical.strip() or not source.strip():
            raise SchemaError(
                f"--map '{option}' is not canonical=source. Example: --map ts=timestamp "
                "or --map ts=date+time."
            )
        if source.strip().startswith(CONST):  # a value, not columns: '+' is kept
            mapping[canonical.strip()] = source.strip()
            continue
        parts = [p.strip() for p in source.split("+")]
        mapping[canonical.strip()] = parts if len(parts) > 1 else parts[0]
    return mapping


def _map_hint(spec: TableSpec, name: str) -> str:
    """How to map one canonical column: a timestamp may join a date and a time column."""
    column = spec.column(name)
    if column is not None and column.kind == "timestamp":
        return f"--map {name}=<column> (or {name}=<date>+<time>)"
    if name == "event":
        return f"--map {name}=<column> (or {name}={CONST}<name> when every row is one event)"
    return f"--map {name}=<column>"


def resolve_mapping(
    spec: TableSpec,
    source_columns: Sequence[str],
    explicit: Mapping[str, str | list[str]],
    source_name: str,
) -> ResolvedMapping:
    """Explicit mapping first, then same-named columns, then well-known aliases."""
    available = list(source_columns)
    by_norm = {_norm(c): c for c in available}
    columns: dict[str, tuple[str, ...]] = {}
    guessed: dict[str, str] = {}

    constants: dict[str, str] = {}
    for canonical, wanted in explicit.items():
        if isinstance(wanted, str) and wanted.startswith(CONST):
            constants[canonical] = wanted[len(CONST):]
            if not constants[canonical].strip():
                raise SchemaError(f"The mapping {canonical} = {wanted!r} has no value after "
                                  f"{CONST!r}. Example: --map {canonical}={CONST}purchase.")
            continue
        names = (wanted,) if isinstance(wanted, str) else tuple(wanted)
        for name in names:
            if name not in available:
                real = by_norm.get(_norm(name))
                if real is None:
                    raise SchemaError(
                        f"The mapping {canonical} = {name!r} names a column that {source_name} "
                        f"does not have.{did_you_mean(name, available)} "
                        f"Its columns are: {', '.join(available)}."
                    )
                names = tuple(real if n == name else n for n in names)
        columns[canonical] = names

    used = {name for names in columns.values() for name in names}
    for column in spec.columns:
        if column.name in columns or column.name in constants:
            continue
        candidates = [column.name, *spec.aliases.get(column.name, ())]
        for candidate in candidates:
            real = by_norm.get(_norm(candidate))
            if real is not None and real not in used:
                columns[column.name] = (real,)
                used.add(real)
                if _norm(real) != _norm(column.name):
                    guessed[column.name] = real
                break

    missing = [name for name in spec.required if name not in columns and name not in constants]
    if missing:
        raise SchemaError(
            f"{source_name} has no column for the required {spec.name} column "
            f"{', '.join(repr(m) for m in missing)}. Its columns are: {', '.join(available)}. "
            f"Map {'it' if len(missing) == 1 else 'them'} with "
            f"{'; '.join(_map_hint(spec, name) for name in missing)}, or under "
            f"[mapping.{spec.name}] in applens.toml."
        )

    canonical_names = set(spec.names) | set(columns) | set(constants)
    extras = {}
    for name in available:
        if name in used:
            continue
        prop = name if name not in canonical_names else f"{name}_source"
        if prop.startswith("_"):
            prop = "src" + prop  # a leading underscore marks applens bookkeeping columns
        extras[prop] = name
    return ResolvedMapping(columns, extras, guessed, constants)
