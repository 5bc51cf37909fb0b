"""Atomic writes: the old file or the whole new one, never half a file, never a stray temp."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from applens._files import atomic_path, atomic_write, staged_dir

SRC = Path(__file__).resolve().parents[2] / "src"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_writes_text_and_bytes_with_the_umask_mode_of_a_plain_file(tmp_path):
    target = tmp_path / "report.json"
    atomic_write(target, "{\"a\": \"é\"}\n")
    assert target.read_text(encoding="utf-8") == "{\"a\": \"é\"}\n"
    atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert target.stat().st_mode == plain.stat().st_mode
    assert _leftovers(tmp_path) == []


def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "events.parquet"
    target.write_bytes(b"old")
    # A real short write: the file-size limit stops the write after 4 KiB with EFBIG.
    script = (
        "import resource, signal, sys\n"
        "from applens._files import atomic_write\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))\n"
        "try:\n"
        "    atomic_write(sys.argv[1], b'x' * 1_000_000)\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", script, str(target)], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "27"  # EFBIG: the write did fail part-way
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_an_error_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "users.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("half a fi")
        raise RuntimeError("the writer broke")
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_two_concurrent_writers_keep_their_own_temp_files(tmp_path):
    target = tmp_path / "report.html"
    payloads = [b"A" * 2_000_000, b"B" * 2_000_000]
    both_written = threading.Barrier(2)
    temps: list[Path] = []
    errors: list[BaseException] = []

    def writer(payload: bytes) -> None:
        try:
            with atomic_path(target) as temp:
                temps.append(temp)
                with temp.open("wb") as out:
                    for start in range(0, len(payload), 65536):
                        out.write(payload[start:start + 65536])
                both_written.wait(timeout=30)  # both temps written before either renames
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(set(temps)) == 2 and all(t.parent == tmp_path for t in temps)
    assert target.read_bytes() in payloads
    assert _leftovers(tmp_path) == []


def test_a_staged_folder_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "v1"
    with pytest.raises(RuntimeError), staged_dir(target) as staging:
        (staging / "model.skops").write_bytes(b"half")
        raise RuntimeError("dump failed")
    assert not target.exists() and _leftovers(tmp_path) == []
    with staged_dir(target) as staging:
        (staging / "model.skops").write_bytes(b"model")
        (staging / "metadata.json").write_text("{}")
    assert sorted(p.name for p in target.iterdir()) == ["metadata.json", "model.skops"]
    assert _leftovers(tmp_path) == []


def test_only_the_helper_renames_files_into_place():
    """Every other module writes through applens._files (one had a fixed temp name)."""
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "_files.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            by_os = isinstance(owner, ast.Name) and owner.id in ("os", "shutil")
            if (by_os and node.func.attr in ("replace", "rename", "move")) or (
                    isinstance(owner, ast.Name) and node.func.attr in ("replace", "rename")
                    and len(node.args) == 1 and not node.keywords):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {ast.unparse(node)}")
    assert found == []
