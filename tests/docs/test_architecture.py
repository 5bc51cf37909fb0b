"""The imports of src/applens keep the layer order of ARCHITECTURE.md and form no cycle.

Every import counts: module level, inside a function, and under ``if TYPE_CHECKING:``
(ARCHITECTURE.md: a shared piece is not reached by an import inside a function or a
type-only import). The layers, top to bottom (an import may only point down or sideways):

    cli, web  ->  report, demo  ->  domain packages  ->  workspace  ->  bottom modules
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "applens"

# Each top-level piece of src/applens and its layer (higher imports lower, never the reverse).
LAYERS: dict[str, int] = {
    "__main__": 5,  # `python -m applens` runs the CLI: it sits with the apps.
    "cli": 5,
    "web": 5,
    "report": 4,
    "demo": 4,
    "__init__": 3,  # the public face: re-exports Workspace and insights.query, so domain level.
    "ingest": 3,
    "insights": 3,
    "experiments": 3,
    "anomalies": 3,
    "monitor": 3,
    "models": 3,
    "text": 3,
    "access": 3,
    "etl": 3,
    "workspace": 2,
    "engines": 1,
    "charts": 1,
    "notify": 1,
    "schema": 1,
    "config": 1,
    "errors": 1,
    "serialize": 1,  # strict JSON of results: used by every layer above.
    "formatting": 1,  # numbers and dates as people read them: used by every layer above.
    "registry": 1,  # the one Registry[T] idiom every family (detectors, models, pages...) uses.
    "_files": 1,  # atomic writes: used by report, web, demo, models, workspace.
    "_rhythm": 1,  # the one bot rhythm rule: shared by models and experiments.
    "_proportions": 1,  # the one share test (Fisher, Bonferroni): shared by monitor and text.
    "_urls": 1,  # redacting secrets from URLs: engines, ingest, notify.
    "_validation": 1,  # reading pydantic errors as one-line messages: config and every spec.
    "_scores": 2,  # the newest run of a scores_<model> table: read by models and text.
    "_dbapi": 1,  # connecting to PostgreSQL / MySQL by URL with one-line errors: etl targets.
    "_sql": 1,  # quoting SQL identifiers and literals: ingest, insights, access, etl.
}
LAYER_NAMES = {5: "cli/web", 4: "report/demo", 3: "domain", 2: "workspace", 1: "bottom"}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str
    where: str  # file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.importer} imports {self.imported}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((SRC / PACKAGE).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module that ``name`` denotes: itself, or the nearest package above it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(modules: dict[str, Path]) -> list[Import]:
    found: list[Import] = []
    for importer, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = Path("src", path.relative_to(SRC))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = importer.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import sub` imports the module pkg.sub; `from pkg import name` pkg.
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target != PACKAGE and not target.startswith(PACKAGE + "."):
                    continue
                resolved = _resolve(target, modules)
                imp = Import(importer, resolved or "", f"{where}:{node.lineno}")
                if resolved and resolved != importer and imp not in found:
                    found.append(imp)
    return found


def _piece(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _cycle_report(imports: list[Import], key) -> list[str]:
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        if key(imp.importer) != key(imp.imported):
            edges[key(imp.importer)].add(key(imp.imported))
    lines = []
    for component in _cycles(edges):
        lines.append("cycle: " + " <-> ".join(sorted(component)))
        lines += [
            f"  {imp}" for imp in imports
            if key(imp.importer) in component and key(imp.imported) in component
            and key(imp.importer) != key(imp.imported)
        ]
    return lines


def test_every_top_level_piece_has_a_layer():
    pieces = {_piece(module) for module in _modules()}
    unplaced = sorted(pieces - LAYERS.keys())
    assert not unplaced, (
        f"These parts of src/{PACKAGE} have no layer: {', '.join(unplaced)}. "
        "Add each to LAYERS in tests/docs/test_architecture.py, with ARCHITECTURE.md's order."
    )


def test_imports_point_down_the_layers():
    upward = [
        f"{imp}  ({LAYER_NAMES[LAYERS[_piece(imp.importer)]]} -> "
        f"{LAYER_NAMES[LAYERS[_piece(imp.imported)]]})"
        for imp in _imports(_modules())
        if LAYERS.get(_piece(imp.importer), 0) < LAYERS.get(_piece(imp.imported), 0)
    ]
    assert not upward, (
        "Imports against the layer order (cli, web -> report, demo -> domain -> workspace -> "
        "bottom); move the shared piece down a layer:\n" + "\n".join(upward)
    )


def test_no_import_cycle_between_modules():
    lines = _cycle_report(_imports(_modules()), key=lambda module: module)
    assert not lines, (
        "Modules that import each other in a circle; move the shared piece to a module "
        "below both:\n" + "\n".join(lines)
    )


def test_no_import_cycle_between_packages():
    lines = _cycle_report(_imports(_modules()), key=_piece)
    assert not lines, (
        "Packages that import each other in a circle; move the shared piece down a layer:\n"
        + "\n".join(lines)
    )


def test_the_checker_sees_function_level_and_type_only_imports(tmp_path, monkeypatch):
    """The walk itself: a cycle made only of a lazy import and a TYPE_CHECKING import counts."""
    package = tmp_path / PACKAGE
    (package / "ingest").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ingest" / "__init__.py").write_text("from applens.ingest.load import ingest\n")
    (package / "ingest" / "load.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from applens.workspace import Workspace\ndef ingest(): ...\n"
    )
    (package / "workspace.py").write_text(
        "class Workspace:\n    def ingest(self):\n        from applens.ingest import ingest\n"
    )
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path)
    imports = _imports(_modules())
    assert {(i.importer, i.imported) for i in imports} == {
        ("applens.ingest", "applens.ingest.load"),
        ("applens.ingest.load", "applens.workspace"),
        ("applens.workspace", "applens.ingest"),
    }
    report = _cycle_report(imports, key=lambda module: module)
    assert report[0] == "cycle: applens.ingest <-> applens.ingest.load <-> applens.workspace"
    assert "  src/applens/workspace.py:3: applens.workspace imports applens.ingest" in report


MAX_LINES = 350
REASON = "# Over 350 lines:"  # the marker, in a module's first lines, that says why it is long
# Long modules left whole for now, each with the reason (split them, then drop the entry).
LEFT_FOR_LATER: dict[str, str] = {}


def test_long_modules_say_why_at_their_top():
    """A module over MAX_LINES is split, or says in one line near its top why it stays whole."""
    unexplained = []
    for path in _modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        if str(path.relative_to(SRC / PACKAGE)) in LEFT_FOR_LATER:
            continue
        if len(lines) > MAX_LINES and not any(line.startswith(REASON) for line in lines[:40]):
            unexplained.append(f"src/{path.relative_to(SRC)}: {len(lines)} lines")
    assert not unexplained, (
        f"Modules over {MAX_LINES} lines: split each by idea, or put one line "
        f"'{REASON} <reason>' near its top:\n" + "\n".join(unexplained)
    )
