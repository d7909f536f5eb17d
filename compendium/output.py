"""The only writer to the output folder: the outputs of a build land as one set, or not at all.

Each build writes its complete set of files into a folder of its own, ``out/.sets/<id>/``
(with what it does not make itself, such as the PDF of an HTML-only build, linked from the
set before it), then switches the link ``out/current`` to it with one rename. The
documented paths (``out/compendium.pdf``, ``out/chapters/``, ...) are links through
``current``: a reader sees the old set or the new one, never a mix, even when a build is
killed between two files or the disk fills up. The set before stays for a reader still in
it; older ones, and what killed builds left, are removed by the next build.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from compendium.errors import OutputError
from compendium.processes import is_running

SETS = ".sets"
"""Folder of the output folder holding one folder per build's set of outputs."""
CURRENT = "current"
"""The link to the set readers see."""
_WRITING = threading.Lock()
"""Held while a set is made and switched to: the preview's HTML and PDF builds both write."""


def write_outputs(out_dir: Path, files: Mapping[str, bytes]) -> tuple[Path, ...]:
    """Write the relative paths' bytes as the output folder's new set; return their paths as
    a reader names them (``out/compendium.pdf``). Raise OutputError when the folder cannot
    be written; the set readers see is then the one before."""
    try:
        return _write_set(out_dir, files)
    except OSError as exc:
        where = exc.filename or out_dir
        raise OutputError(f"{where}: cannot write the outputs: {exc.strerror}; expected a "
                          f"folder you can write to, with room (the outputs there are the "
                          f"previous build's)") from exc


def _write_set(out_dir: Path, files: Mapping[str, bytes]) -> tuple[Path, ...]:
    """Write ``files`` as a new set below ``out_dir`` and switch readers to it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    targets = {name: _inside(root, name) for name in files}
    with _WRITING, _locked(root):
        sets = root / SETS
        if sets.is_symlink() or (sets.exists() and not sets.is_dir()):
            # Old sets are deleted in there: never follow a link to somewhere else.
            raise OutputError(f"{sets}: not a folder of the output folder; expected the "
                              "folder where builds keep their outputs (remove it)")
        _refuse_foreign(root, {Path(name).parts[0] for name in files} | {CURRENT})
        sets.mkdir(exist_ok=True)
        previous = _current(root)
        _remove_orphans(root / CURRENT)  # a link a killed build was switching to
        folder = Path(tempfile.mkdtemp(dir=sets, prefix=f"{time.time_ns()}.{os.getpid()}."))
        try:
            os.chmod(folder, 0o755)  # mkdtemp's is the owner's alone
            for name, data in files.items():
                _write_file(folder / name, data)
            tops = {Path(name).parts[0] for name in files}
            if previous is not None:
                _carry_over(previous, folder, tops)
            _sync(folder)
            _switch(root, CURRENT, os.path.relpath(folder, root))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        for top in sorted(os.listdir(folder)):
            _link_through_current(root, top)
        _remove_old_sets(sets, keep={folder.name, previous.name if previous else ""})
    return tuple(targets.values())


def _refuse_foreign(root: Path, tops: set[str]) -> None:
    """Raise OutputError when a path the build would replace (``out/compendium.html``,
    ``out/chapters``) is a file or folder it did not make: the build's own are links through
    ``current``. Someone's files in a folder given as --out are never deleted."""
    for top in sorted(tops):
        path = root / top
        if not path.is_symlink() and path.exists():
            kind = "folder" if path.is_dir() else "file"
            raise OutputError(f"{path}: a {kind} the build did not make; expected an output "
                              "folder holding only the build's outputs (move it, or build "
                              "with another --out)")


def _inside(root: Path, name: str) -> Path:
    """Return ``root/name``, refusing any name that would land outside ``root``."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts or parts[0] in (SETS, CURRENT):
        raise ValueError(f"refusing to write {name!r} outside {root}")
    return root / name


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the output folder's lock: two builds into one folder switch one at a time."""
    with open(root / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current(root: Path) -> Path | None:
    """Return the folder of the set readers see now, if any."""
    link = root / CURRENT
    if not link.is_symlink() or not link.is_dir():
        return None
    folder = link.resolve()
    # Only a set of this folder is carried over: a link to elsewhere would copy its files.
    return folder if folder.parent == (root / SETS).resolve() else None


def _write_file(target: Path, data: bytes) -> None:
    """Write and sync one file of a new set."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(target, 0o644)


def _carry_over(previous: Path, folder: Path, made: set[str]) -> None:
    """Link into the new set what it does not make from the set before (an HTML-only build
    keeps the PDF it did not rebuild)."""
    for entry in sorted(os.listdir(previous)):
        if entry in made:
            continue
        source, target = previous / entry, folder / entry
        if source.is_dir():
            shutil.copytree(source, target, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(source), str(target))


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link ``source`` to ``target`` (no copy of a large PDF), or copy it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _sync(folder: Path) -> None:
    """Sync a new set's folders, so a crash after the switch finds its files."""
    for path in (folder, *(p for p in folder.rglob("*") if p.is_dir())):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _switch(root: Path, name: str, target: str) -> None:
    """Point the link ``root/name`` at ``target`` in one rename (a folder or file of the
    earlier layout, or of a copy that followed the links, is replaced)."""
    path = root / name
    temporary = root / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
    _remove(temporary)
    os.symlink(target, temporary)
    if path.is_dir() and not path.is_symlink():  # rename cannot put a link over a folder
        aside = root / f".{name}.{os.getpid()}.old"
        _remove(aside)
        os.rename(path, aside)
        os.replace(temporary, path)
        _remove(aside)
    else:
        os.replace(temporary, path)


def _link_through_current(root: Path, top: str) -> None:
    """Make ``root/top`` the link ``current/top`` that readers use (once per output folder)."""
    target = os.path.join(CURRENT, top)
    path = root / top
    if not (path.is_symlink() and os.readlink(path) == target):
        _remove_orphans(path)
        _switch(root, top, target)


def _remove(path: Path) -> None:
    """Delete ``path``, a folder or not, if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _remove_old_sets(sets: Path, keep: set[str]) -> None:
    """Delete the sets no reader is sent to any more (all but the new and the one before),
    and what killed builds left. (Under the lock: no other build is writing one.)"""
    for entry in os.listdir(sets):
        if entry not in keep:
            _remove(sets / entry)


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
    for temp in [*target.parent.glob(f".{glob.escape(target.name)}.*.tmp"),
                 *target.parent.glob(f".{glob.escape(target.name)}.*.old")]:
        pid = temp.name.removeprefix(f".{target.name}.").split(".")[0]
        if pid.isdigit() and not is_running(int(pid)):
            _remove(temp)


def remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete the Markdown files in ``folder`` that the build did not write this time (a
    folder of the earlier layout; a set holds only its own build's chapters)."""
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
