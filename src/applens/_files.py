"""Atomic file writes: a reader sees the old file or the whole new one, never half of one.

Every writer puts its bytes in a temporary file with a unique name beside the target (the
same folder, so the final ``os.replace`` is a rename on one file system), flushes it to disk,
then renames it over the target. On any error the temporary file is removed and the target
is left as it was. Two writers of the same target never share a temporary file: the last
rename wins, and each rename brings a complete file.

``atomic_write`` writes bytes or text in one call; ``atomic_path`` hands a temporary path to
a library that writes by file name (Arrow, skops); ``temp_beside`` and ``publish`` split the
two halves for a writer that stays open across calls; ``staged_dir`` does the same for a
folder that must appear whole.

Stdlib only: this sits in the bottom layer, below engines, charts and config.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "publish", "staged_dir", "temp_beside"]


def temp_beside(path: str | Path) -> Path:
    """A new, empty temporary file with a unique name in ``path``'s folder (hidden,
    ``.<name>.<random>.partial``); the caller ``publish``-es it or removes it."""
    target = Path(path)
    while True:
        temp = _unique_name(target)
        try:  # O_EXCL: the name is ours alone; mode 0o666 lets the umask decide, as open() does
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temp


def publish(temp: str | Path, path: str | Path) -> Path:
    """Flush ``temp`` to disk and rename it over ``path`` in one step; returns ``path``."""
    _sync_file(Path(temp))
    os.replace(temp, path)
    _sync_folder(Path(path).parent)
    return Path(path)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path beside ``path`` to write to by name; on leaving the block it
    replaces ``path``, or, on an error, is removed and ``path`` is untouched."""
    temp = temp_beside(path)
    try:
        yield temp
        publish(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, data: bytes | str, *, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` (text is encoded with ``encoding``); returns ``path``."""
    content = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_path(path) as temp, temp.open("wb") as out:
        out.write(content)
    return Path(path)


@contextlib.contextmanager
def staged_dir(path: str | Path) -> Iterator[Path]:
    """Yields a new, empty temporary folder beside ``path``; on leaving the block it is
    renamed to ``path`` (which must not exist yet, or be empty), or removed on an error."""
    target = Path(path)
    while True:
        staging = _unique_name(target)
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        break
    try:
        yield staging
        for file in staging.rglob("*"):
            if file.is_file():
                _sync_file(file)
        os.rename(staging, target)
        _sync_folder(target.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _unique_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.partial")


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
