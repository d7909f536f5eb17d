"""The only writer to the output folder: every file lands whole or not at all."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_outputs(out_dir: Path, files: Mapping[str, bytes]) -> tuple[Path, ...]:
    """Write each relative path's bytes below ``out_dir`` atomically; return the paths written."""
    root = out_dir.resolve()
    targets = {_inside(root, name): data for name, data in files.items()}
    written = []
    for target, data in targets.items():
        write_atomically(target, data)
        written.append(target)
    return tuple(written)


def _inside(root: Path, name: str) -> Path:
    """Return ``root/name``, refusing any name that would land outside ``root``."""
    target = (root / name).resolve()
    if not target.is_relative_to(root) or target == root:
        raise ValueError(f"refusing to write {name!r} outside {root}")
    return target


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(target)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_orphans(target: Path) -> None:
    """Delete temporary files a killed build left beside ``target``.

    The writer's process id is part of the name, so a live build's file is never touched."""
    for temp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = temp.name.removeprefix(f".{target.name}.").split(".")[0]
        if pid.isdigit() and not is_running(int(pid)):
            temp.unlink(missing_ok=True)


def is_running(pid: int) -> bool:
    """Return whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete the Markdown files in ``folder`` that the build did not write this time."""
    if not folder.is_dir():
        return
    for path in folder.glob("*.md"):
        if path.name not in keep:
            path.unlink()


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``target`` already holds it; return whether it wrote."""
    if target.is_file() and target.read_bytes() == data:
        return False
    write_atomically(target, data)
    return True
