"""Every runtime dependency in pyproject.toml is imported by the package itself.

A dependency nothing imports is either dead weight (joblib, psutil were) or a library whose
job we re-implemented by hand (statsmodels was: Holm/BH/Bonferroni and the Wilson interval).
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Needed at run time by another package, never imported by name: with the reason.
INDIRECT = {
    "python-multipart": "FastAPI parses the upload form with it",
    "fastapi-offline": "its Swagger UI files are served as a package resource (/api/docs)",
}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normal(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0])
            for spec in project["dependencies"]}


def _imported_distributions(folder: Path) -> set[str]:
    owners = packages_distributions()
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            found.update(_normal(d) for top in tops for d in owners.get(top, []))
    return found


def test_every_runtime_dependency_is_imported_by_the_package():
    unused = _runtime_dependencies() - _imported_distributions(ROOT / "src") - set(INDIRECT)
    assert not unused, (f"{sorted(unused)} are runtime dependencies that nothing in src "
                        "imports: use them or drop them from pyproject.toml.")


def test_the_indirect_list_names_real_dependencies():
    assert set(INDIRECT) <= _runtime_dependencies()
