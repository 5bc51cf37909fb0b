"""``Registry[T]``: the one way every family of components is named and found.

Detectors, models, report sections, dashboard pages and CLI commands each have one
registry. A component is one module that registers itself with a decorator line::

    from applens.anomalies.registry import DETECTORS

    @DETECTORS.register("flat-line")
    class FlatLineDetector(BaseDetector): ...

(or ``DETECTORS.add("flat-line", FlatLineDetector)`` where a decorator does not fit). The
CLI, the dashboard, the report and the tests enumerate the registry with ``names()`` and
``items()``, so nothing else is edited. ``get(name)`` raises ``UnknownComponentError``
with the closest names. A registry given ``discover="applens.report.sections"`` imports
every public module of that package the first time it is read, so a new module placed
there registers itself without being imported by hand.

The registry is a mapping (``name in reg``, ``reg[name]``, ``list(reg)``); entries are kept
in ``order`` (then in the order they were registered).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterator, MutableMapping
from typing import Generic, TypeVar

from applens.errors import InvalidParameterError, UnknownComponentError, did_you_mean

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(MutableMapping[str, T], Generic[T]):
    """Named components of one kind (``kind`` is used in messages: "detector").

    Parameters
    ----------
    kind
        What one entry is, in words ("detector", "report section").
    hint
        The sentence that ends an unknown-name error ("Run 'applens anomalies list'.").
    discover
        A package whose public modules (names not starting with ``_``) are imported the
        first time the registry is read; each registers its components when imported. A
        tuple names several; a plain module in it is imported as is.
    check
        Called with ``(name, item)`` on registration; raises to refuse an entry.
    """

    def __init__(self, kind: str, *, hint: str = "", discover: str | tuple[str, ...] | None = None,
                 check: Callable[[str, T], None] | None = None) -> None:
        self.kind = kind
        self.hint = hint
        self._discover = discover
        self._discovered = discover is None
        # A thread reading while its own fill imports (the modules read the registry too)
        # sees it as it stands; see ``_load`` for the other threads.
        self._filling = threading.local()
        # Entries and their order change together; held briefly and never while importing,
        # so a module registering itself in another thread never waits on a fill (which may
        # be waiting for that very module's import).
        self._guard = threading.Lock()
        self._check = check
        self._entries: dict[str, T] = {}
        self._order: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()!r})"

    # -- registering -------------------------------------------------------------------
    def register(self, name: str, *, order: float | None = None) -> Callable[[T], T]:
        """Decorator: register the decorated object under ``name`` and return it as is."""

        def decorate(item: T) -> T:
            self.add(name, item, order=order)
            return item

        return decorate

    def add(self, name: str, item: T, *, order: float | None = None) -> T:
        """Register ``item`` under ``name`` (replacing an entry of that name)."""
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise InvalidParameterError(
                f"A {self.kind} needs a non-empty name without surrounding spaces; "
                f"got {name!r}.")
        if self._check is not None:
            self._check(name, item)
        with self._guard:
            if order is not None or name not in self._order:
                self._order[name] = float(order) if order is not None else 0.0
            self._entries[name] = item  # a re-registered name keeps its place
        return item

    # -- reading -----------------------------------------------------------------------
    def _load(self) -> None:
        # Every thread that finds the registry unfilled runs the fill itself rather than
        # reading a half-filled one. The fill is imports, and the import system's own
        # per-module locks make a thread wait for a module another thread is importing (and
        # resolve a cycle); a lock of ours held across the imports deadlocks instead, when a
        # thread importing a plugin module by hand reads the registry from it.
        if self._discovered or getattr(self._filling, "active", False):
            return
        self.discover()

    def discover(self) -> None:
        """Import every public module of the ``discover`` package (again: a module added
        since is picked up; one imported before is not run twice). Thread-safe: a reader in
        another thread meanwhile fills it too, waiting on the modules being imported."""
        outer = getattr(self._filling, "active", False)  # a nested call keeps the outer's
        self._filling.active = True
        try:
            self._import_all()
        finally:
            self._filling.active = outer
        self._discovered = True  # only once every module is in

    def _import_all(self) -> None:
        if self._discover is None:
            return
        names = (self._discover,) if isinstance(self._discover, str) else self._discover
        for name in names:
            package = importlib.import_module(name)
            for info in sorted(pkgutil.iter_modules(getattr(package, "__path__", [])),
                               key=lambda m: m.name):
                if not info.name.startswith("_"):
                    importlib.import_module(f"{package.__name__}.{info.name}")

    def names(self) -> list[str]:
        """The registered names in order."""
        self._load()
        with self._guard:  # a consistent view while another thread registers
            position = {name: i for i, name in enumerate(self._entries)}
            order = dict(self._order)
        return sorted(position, key=lambda n: (order[n], position[n]))

    def items(self) -> list[tuple[str, T]]:  # type: ignore[override]
        """``(name, item)`` pairs in order."""
        names = self.names()
        with self._guard:
            entries = dict(self._entries)
        return [(name, entries[name]) for name in names if name in entries]

    def get(self, name: str, default: object = ...) -> T:  # type: ignore[override]
        """The entry ``name``; an unknown name raises ``UnknownComponentError`` with the
        closest names (or returns ``default`` when one is given)."""
        self._load()
        if name in self._entries:
            return self._entries[name]
        if default is not ...:
            return default  # type: ignore[return-value]
        names = self.names()
        raise UnknownComponentError(
            f"No {self.kind} named '{name}'.{did_you_mean(str(name), names)} "
            f"Available: {', '.join(names) or 'none'}.{' ' + self.hint if self.hint else ''}")

    # -- the mapping protocol (so existing dict-style callers keep working) -------------
    def __getitem__(self, name: str) -> T:
        self._load()
        return self._entries[name]

    def __setitem__(self, name: str, item: T) -> None:
        self.add(name, item)

    def __delitem__(self, name: str) -> None:
        with self._guard:
            del self._entries[name]
            del self._order[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return isinstance(name, str) and name in self._entries
