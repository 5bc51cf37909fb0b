"""Registry[T]: the one registry idiom (register/add, get with did-you-mean, names, items)."""

from __future__ import annotations

import sys

import pytest

from applens.errors import InvalidParameterError, UnknownComponentError
from applens.registry import Registry


def test_register_is_a_decorator_that_returns_the_object_and_keeps_order():
    reg: Registry[object] = Registry("widget")

    @reg.register("b-thing")
    class B: ...

    @reg.register("a-thing", order=-1)
    def a() -> None: ...

    reg.add("c-thing", 3)
    assert B.__name__ == "B" and reg["b-thing"] is B and reg.get("a-thing") is a
    assert reg.names() == ["a-thing", "b-thing", "c-thing"]
    assert reg.items() == [("a-thing", a), ("b-thing", B), ("c-thing", 3)]
    assert list(reg) == reg.names() and len(reg) == 3 and "c-thing" in reg


def test_unknown_name_suggests_the_closest_and_lists_the_rest():
    reg: Registry[int] = Registry("detector", hint="Run 'applens anomalies list'.")
    reg.add("seasonal", 1)
    reg.add("levelshift", 2)
    with pytest.raises(UnknownComponentError) as info:
        reg.get("seasonl")
    assert str(info.value) == (
        "No detector named 'seasonl'. Did you mean 'seasonal'? "
        "Available: seasonal, levelshift. Run 'applens anomalies list'.")
    assert reg.get("nope", None) is None
    with pytest.raises(KeyError):
        reg["nope"]


def test_replacing_an_entry_keeps_its_place_and_delete_removes_it():
    reg: Registry[int] = Registry("model")
    for i, name in enumerate(("churn", "crash", "personas")):
        reg.add(name, i)
    reg["churn"] = 10
    assert reg.items()[0] == ("churn", 10)
    del reg["crash"]
    assert reg.names() == ["churn", "personas"]


@pytest.mark.parametrize("bad", ["", "  ", " padded"])
def test_a_name_must_be_a_plain_non_empty_string(bad):
    with pytest.raises(InvalidParameterError, match="non-empty name"):
        Registry("page").add(bad, 1)


def test_check_can_refuse_an_entry():
    def positive(name: str, item: int) -> None:
        if item <= 0:
            raise InvalidParameterError(f"{name} must be positive")

    reg: Registry[int] = Registry("thing", check=positive)
    reg.add("one", 1)
    with pytest.raises(InvalidParameterError, match="zero must be positive"):
        reg.add("zero", 0)
    assert reg.names() == ["one"]


def _plugin_package(tmp_path, monkeypatch, package: str, names: list[str], *,
                    delay: float = 0.0) -> None:
    """A package of plugin modules on sys.path, each registering in ``<package>_registry.REG``
    and reading it as it does (after ``delay`` seconds: a slow import)."""
    folder = tmp_path / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name in names:
        (folder / f"{name}.py").write_text(
            f"import time\nfrom {package}_registry import REG\n"
            f"time.sleep({delay})\nREG.add({name!r}, len(REG))\n")
    (tmp_path / f"{package}_registry.py").write_text(
        "from applens.registry import Registry\n"
        f"REG = Registry('plugin', discover={package!r})\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_discover_imports_every_public_module_of_a_package_once(tmp_path, monkeypatch):
    _plugin_package(tmp_path, monkeypatch, "reg_plugins", ["alpha", "beta"])
    (tmp_path / "reg_plugins" / "_private.py").write_text(
        "raise RuntimeError('private modules are skipped')\n")
    try:
        from reg_plugins_registry import REG

        assert REG.names() == ["alpha", "beta"]
        assert REG.items() == [("alpha", 0), ("beta", 1)]  # imported once, in name order
    finally:
        for mod in ("reg_plugins_registry", "reg_plugins", "reg_plugins.alpha",
                    "reg_plugins.beta"):
            sys.modules.pop(mod, None)


def _race(*targets) -> None:
    """Run the targets in threads released together; all must finish (no deadlock)."""
    import threading

    start = threading.Barrier(len(targets))

    def released(target) -> None:
        start.wait()
        target()

    threads = [threading.Thread(target=released, args=(t,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "deadlocked"


@pytest.fixture
def plugin_modules():
    yield
    for mod in [m for m in sys.modules if m.startswith("race_plugins")]:
        sys.modules.pop(mod, None)


def test_threads_racing_the_first_read_all_see_the_whole_registry(tmp_path, monkeypatch,
                                                                   plugin_modules):
    """The first read imports the plugin modules; a thread arriving meanwhile gets the
    whole registry too, never a half-filled one (before the fix: a shorter list, a False
    for a name not yet imported, a None from get)."""
    names = [f"p{i}" for i in range(6)]
    _plugin_package(tmp_path, monkeypatch, "race_plugins", names, delay=0.02)
    from race_plugins_registry import REG

    seen: list[object] = []
    readers = [REG.names, lambda: len(REG), lambda: "p5" in REG, lambda: REG.get("p5", None),
               lambda: [n for n, _ in REG.items()]] * 2
    _race(*(lambda read=read: seen.append(read()) for read in readers))
    assert sorted(map(repr, seen)) == sorted(repr(read()) for read in readers)
    assert names in seen and 6 in seen and True in seen
    assert REG.items() == [(n, i) for i, n in enumerate(names)]  # each imported once


def test_a_plugin_imported_by_hand_during_the_fill_does_not_deadlock(tmp_path, monkeypatch,
                                                                     plugin_modules):
    """A lock held across the fill's imports would deadlock here: this thread holds p3's
    import lock and waits (reading the registry) for the fill, which waits for p3."""
    import importlib

    names = [f"p{i}" for i in range(6)]
    _plugin_package(tmp_path, monkeypatch, "race_plugins", names, delay=0.02)
    from race_plugins_registry import REG

    _race(*[REG.names] * 4, lambda: importlib.import_module("race_plugins.p3"))
    assert sorted(REG.names()) == names


def test_a_nested_discover_keeps_the_outer_fill_marked(tmp_path, monkeypatch):
    """A module that calls ``discover()`` while the registry's own fill imports it must not end
    the outer fill's mark: the later modules' reads would start a second, re-entrant fill."""
    _plugin_package(tmp_path, monkeypatch, "reg_nested", ["alpha"])
    try:
        from reg_nested_registry import REG

        REG._filling.active = True  # as inside the outer fill
        REG.discover()
        assert REG._filling.active is True
        REG._filling.active = False
        assert REG.names() == ["alpha"]
    finally:
        for mod in ("reg_nested_registry", "reg_nested", "reg_nested.alpha"):
            sys.modules.pop(mod, None)
