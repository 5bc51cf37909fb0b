"""Pydantic validation errors as plain sentences: one reading of ``exc.errors()``.

Every table of settings (``applens.toml``, ``[notify]``, ``[models.*]``, ``[experiments.*]``,
``[monitors.*]``), query specs and the web API's request bodies are validated by pydantic;
its errors become ``Problem`` records here, and each caller words its one-line message from
them. Unknown keys come first (a misspelt key also makes its correct one "missing", so the
unknown key explains the rest), pydantic's ``Value error, `` prefix is dropped and an unknown
key gets a "Did you mean" hint from the known names.

Bottom layer: it imports nothing from applens but ``errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from applens.errors import did_you_mean

__all__ = ["Problem", "more_problems", "problems"]


class _HasErrors(Protocol):
    def errors(self) -> Sequence[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class Problem:
    """One validation error: where (``key``, dotted, with the caller's prefix), what."""

    loc: tuple[str, ...]  # the location inside the validated value, without the prefix
    key: str
    message: str
    kind: str  # pydantic's error type: "extra_forbidden", "missing", "value_error", ...
    input: Any = None
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def unknown(self) -> bool:
        return self.kind == "extra_forbidden"

    def sentence(self, *, with_input: bool = False) -> str:
        """``'key' message`` and, when asked, ``(got VALUE)`` for a scalar input."""
        got = (f" (got {self.input!r})"
               if with_input and self.loc and not isinstance(self.input, Mapping) else "")
        return f"'{self.key}' {self.message}{got}"


def problems(error: _HasErrors, *, prefix: Sequence[str] = (), known: Iterable[str] = (),
             unknown: str = "is not a known setting.", missing: str | None = None,
             tag: Iterable[str] = ()) -> list[Problem]:
    """The errors of ``error`` (a pydantic ``ValidationError`` or FastAPI's
    ``RequestValidationError``), unknown keys first.

    ``prefix`` is put before every key (``("monitors", name)``); ``known`` are the valid
    names an unknown key is compared with; ``unknown`` is its message (the hint follows it);
    ``missing`` replaces pydantic's "Field required" when given; a first location part in
    ``tag`` (a union's discriminator, FastAPI's ``body``) is not part of the key.
    """
    tags = set(tag)
    names = list(known)
    found = []
    for item in sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden"):
        loc = tuple(str(part) for part in item.get("loc", ()))
        if loc and loc[0] in tags:
            loc = loc[1:]
        kind = str(item.get("type", ""))
        if kind == "extra_forbidden":
            hint = did_you_mean(loc[-1], names) if len(loc) == 1 else ""
            message = f"{unknown}{hint}"
        elif kind == "missing" and missing is not None:
            message = missing
        else:
            message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        found.append(Problem(loc, ".".join([*prefix, *loc]), message, kind, item.get("input"),
                             dict(item.get("ctx") or {})))
    return found


def more_problems(found: Sequence[Problem]) -> str:
    """`` (and 2 more problem(s))`` after the first of several problems, else ``""``."""
    return f" (and {len(found) - 1} more problem(s))" if len(found) > 1 else ""
