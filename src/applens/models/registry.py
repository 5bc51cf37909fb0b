"""The model registry (``MODELS``: name -> ``ModelSpec``) and the saved models in the
workspace: ``models/<name>/v<N>/model.skops`` + ``metadata.json``.

A model is one module in ``applens.models`` with ``train`` and ``predict`` functions and
one registration line, ``MODELS.add("name", ModelSpec("name", train, predict, "what"))``;
the registry imports every public module of the package, so ``applens train``, ``predict``,
the report and the dashboard pick it up.

Models are written with skops and loaded with an explicit allow-list of types, never with
pickle, so a crafted file cannot run code. ``metadata.json`` records the SHA-256 of the model
file: a file changed after training is refused, as is one holding types we never write.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata as pkg_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from applens._files import staged_dir
from applens.errors import ArtifactError
from applens.models._common import Trained
from applens.registry import Registry
from applens.workspace import Workspace

__all__ = [
    "MODELS",
    "TRUSTED_TYPES",
    "ModelSpec",
    "ModelVersionWarning",
    "SavedModel",
    "latest_version",
    "library_versions",
    "load_model",
    "model_dir",
    "read_metadata",
    "register_model",
    "save_model",
]

MODEL_FILE, METADATA_FILE = "model.skops", "metadata.json"
FORMAT = "applens-model/1"
# Beyond skops' own defaults (sklearn estimators, numpy arrays): exactly what our pipelines
# hold. skops warns that a crafted Tree can crash predict(); the SHA-256 check guards that.
TRUSTED_TYPES = (
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
    "collections.OrderedDict",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "sklearn.calibration._CalibratedClassifier",  # ticket models: calibrated LinearSVC
    "sklearn.calibration._SigmoidCalibration",
)
LIBRARIES = ("scikit-learn", "lightgbm", "skops", "numpy", "pandas", "applens")
_VERSION = re.compile(r"^v(\d+)$")


@dataclass(frozen=True)
class ModelSpec:
    """A trainable model: ``train(ws, cutoff, options) -> Trained`` and
    ``predict(ws, saved, as_of) -> scores frame`` (``SCORE_COLUMNS``)."""

    name: str
    train: Callable[[Workspace, datetime | None, Any], Trained]
    predict: Callable[..., pd.DataFrame]
    description: str
    needs_events: bool = True  # False: learns from another table (tickets)
    takes_threshold: bool = False  # True: predict(..., threshold=) (applens predict --threshold)


MODELS: Registry[ModelSpec] = Registry("model", discover="applens.models")


def register_model(spec: ModelSpec, *, order: float | None = None) -> ModelSpec:
    """Add ``spec`` to ``MODELS`` under its name (same as ``MODELS.add(spec.name, spec)``)."""
    return MODELS.add(spec.name, spec, order=order)


class ModelVersionWarning(UserWarning):
    """A model was saved with other library versions than the ones installed."""


@dataclass(frozen=True)
class SavedModel:
    name: str
    version: str
    estimator: Any
    metadata: dict[str, Any]
    path: Path


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            versions[lib] = pkg_metadata.version(lib)
        except pkg_metadata.PackageNotFoundError:
            continue
    return versions


def model_dir(ws: Workspace, name: str) -> Path:
    return ws.path / "models" / name


def _versions(ws: Workspace, name: str) -> list[int]:
    folder = model_dir(ws, name)
    if not folder.is_dir():
        return []
    found = (_VERSION.match(p.name) for p in folder.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def latest_version(ws: Workspace, name: str) -> str | None:
    versions = _versions(ws, name)
    return f"v{versions[-1]}" if versions else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(ws: Workspace, name: str, estimator: Any, metadata: dict[str, Any]) -> str:
    """Write a new version of model ``name``; returns the version (``v1``, ``v2`` …)."""
    import skops.io as sio

    versions = _versions(ws, name)
    version = f"v{(versions[-1] if versions else 0) + 1}"
    folder = model_dir(ws, name)
    folder.mkdir(parents=True, exist_ok=True)
    with staged_dir(folder / version) as staging:  # a half-written version is never visible
        sio.dump(estimator, staging / MODEL_FILE)
        meta = {
            "format": FORMAT, "name": name, "version": version,
            "libraries": library_versions(), "sha256": _sha256(staging / MODEL_FILE), **metadata,
        }
        (staging / METADATA_FILE).write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return version


def _read_metadata(path: Path, name: str) -> dict[str, Any]:
    try:
        meta = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(
            f"{path} has no {METADATA_FILE}: not a model saved by applens. "
            f"Retrain with 'applens train --models {name}'.") from None
    except (ValueError, OSError) as exc:
        raise ArtifactError(f"{path / METADATA_FILE} is unreadable ({exc}). "
                            f"Retrain with 'applens train --models {name}'.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ArtifactError(f"{path / METADATA_FILE} is not applens model metadata. "
                            f"Retrain with 'applens train --models {name}'.")
    return meta


def read_metadata(ws: Workspace, name: str, version: str | None = None) -> dict[str, Any]:
    """The metadata of a saved model without loading the model itself (cheap)."""
    version = version or latest_version(ws, name)
    if version is None:
        raise ArtifactError(f"No trained '{name}' model in {ws.path}. "
                            f"Train one first with 'applens train --models {name}'.")
    return _read_metadata(model_dir(ws, name) / version, name)


def load_model(ws: Workspace, name: str, version: str | None = None) -> SavedModel:
    """Load a saved model after checking its hash and the types it contains."""
    import skops.io as sio

    version = version or latest_version(ws, name)
    if version is None:
        raise ArtifactError(f"No trained '{name}' model in {ws.path}. "
                            f"Train one first with 'applens train --models {name}'.")
    path = model_dir(ws, name) / version
    if not (path / MODEL_FILE).is_file():
        raise ArtifactError(f"Model '{name}' {version} has no {MODEL_FILE} at {path}. "
                            f"Retrain with 'applens train --models {name}'.")
    meta = _read_metadata(path, name)
    if _sha256(path / MODEL_FILE) != meta.get("sha256"):
        raise ArtifactError(
            f"{path / MODEL_FILE} was modified after training (SHA-256 differs from "
            f"{METADATA_FILE}); refusing to load it. Retrain with 'applens train --models {name}'.")
    try:
        untrusted = set(sio.get_untrusted_types(file=path / MODEL_FILE))
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a skops file"
        raise ArtifactError(f"{path / MODEL_FILE} is not a skops model file ({exc}). "
                            f"Retrain with 'applens train --models {name}'.") from None
    foreign = sorted(untrusted - set(TRUSTED_TYPES))
    if foreign:
        raise ArtifactError(
            f"{path / MODEL_FILE} contains types applens never saves ({', '.join(foreign)}); "
            f"refusing to load it. Retrain with 'applens train --models {name}'.")
    estimator = sio.load(path / MODEL_FILE, trusted=sorted(untrusted))
    _warn_versions(meta, name, version)
    return SavedModel(name, version, estimator, meta, path)


def _warn_versions(meta: dict[str, Any], name: str, version: str) -> None:
    saved, now = meta.get("libraries", {}), library_versions()
    changed = [f"{lib} {saved[lib]} -> {now[lib]}" for lib in ("scikit-learn", "lightgbm")
               if lib in saved and lib in now and saved[lib] != now[lib]]
    if changed:
        warnings.warn(
            f"Model '{name}' {version} was saved with other library versions "
            f"({'; '.join(changed)}); predictions may differ. Retrain to refresh it.",
            ModelVersionWarning, stacklevel=3)
