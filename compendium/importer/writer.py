"""Write record files without ever overwriting an editor's change."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compendium.importer.records import RecordText
from compendium.model import Problem
from compendium.output import write_atomically, write_if_changed

MANIFEST = "raw/import-manifest.json"
"""Hash of each file as the importer last wrote it, to tell hand edits from stale imports."""
PENDING = "raw/import-pending.json"
"""Hashes an import under way is about to write: left behind by an import that was stopped,
it tells the files that import wrote from files an editor changed."""
RECORD_ID = re.compile(r"^id:\s*['\"]?([a-z0-9-]+)['\"]?\s*$", re.MULTILINE)
HEAD_CHARS = 4096
"""The id is among the first fields of a record's front matter."""


@dataclass(slots=True)
class WriteResult:
    """What happened to each record file."""

    created: list[str] = field(default_factory=list)
    """Files that did not exist."""
    updated: list[str] = field(default_factory=list)
    """Files the importer had written and nobody had changed since."""
    unchanged: list[str] = field(default_factory=list)
    """Files already as the import would write them."""
    kept_edits: list[str] = field(default_factory=list)
    """Files an editor changed since the import: left alone."""
    deleted: list[str] = field(default_factory=list)
    """Files an earlier import wrote and an editor deleted since: not brought back."""
    paths: list[str] = field(default_factory=list)
    """Where each record is (relative to the sources folder), in record order."""
    removed: list[str] = field(default_factory=list)
    """Files an earlier import wrote, unchanged since, that no page makes any more (their
    text went to another record: a date met on another page renamed it, a profile took
    it): deleted, or the compendium would hold the text twice."""
    orphaned: list[str] = field(default_factory=list)
    """Such files an editor changed since: left alone, and named."""
    ignored: list[str] = field(default_factory=list)
    """Paths the manifest names that are no record file of the sources folder (absolute,
    with ``..``, through a link, not ``.md``): never deleted, and forgotten."""


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def writable(into: Path, relative: str, suffix: str = ".md") -> bool:
    """Return whether the import may write or delete ``into/relative``: a path below the
    sources folder (not absolute, no ``..``) that passes through no link and ends with
    ``suffix``. A crafted manifest named ``/tmp/x`` and ``../README.md``, and a link in the
    folder took the import's writes to a file outside the project."""
    path = PurePosixPath(relative)
    if (path.is_absolute() or ".." in path.parts or "\0" in relative
            or not relative.endswith(suffix)):
        return False
    return os.path.realpath(into / relative) == os.path.join(os.path.realpath(into), *path.parts)


OWN_FILES = (MANIFEST, PENDING, "raw/import-report.md", "raw/import-report.json")


def refused_writes(into: Path, records: Sequence[RecordText],
                   pages: Sequence[str]) -> list[Problem]:
    """Return a problem for each file the import would write (a record where it is or would
    go, a page's copy in ``raw/``, its own files) that lies through a link or outside the
    sources folder: checked before anything is written."""
    placed = find_records(into)
    wanted = [(placed.get(record.id, record.path), record.id, ".md") for record in records]
    wanted += [(f"raw/{name}", "-", "") for name in pages]
    wanted += [(name, "-", "") for name in OWN_FILES]
    return [Problem(str(into / where), 0, record_id, "-",
                    "not written: a link in the sources folder would take it outside the "
                    "project (replace the link with a folder)")
            for where, record_id, suffix in wanted if not writable(into, where, suffix)]


def find_records(into: Path) -> dict[str, str]:
    """Return the path (relative to ``into``) of each record file by its id, wherever the
    editor put it (``raw/`` holds no records)."""
    found: dict[str, str] = {}
    for path in sorted(into.rglob("*.md")):
        relative = path.relative_to(into)
        if relative.parts[0] == "raw":
            continue
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(HEAD_CHARS)
        except OSError:
            continue
        if head.startswith("---") and (match := RECORD_ID.search(head)) is not None:
            found.setdefault(match[1], relative.as_posix())
    return found


def write_records(into: Path, records: Sequence[RecordText], force: bool,
                  complete: bool = True) -> WriteResult:
    """Write records below ``into``; keep files edited or deleted by hand unless ``force``.

    A record is looked for by its id first, so one the editor moved is updated where it
    is. The hashes about to be written are noted first (PENDING), so the files of an import
    that was stopped are known as the importer's, not taken for hand edits. When the import
    read every page (``complete``), the records it wrote before and makes no more are
    removed (or named, if edited since)."""
    manifest = _read_hashes(into / MANIFEST)
    pending = {k: set(v) for k, v in _read_pending(into / PENDING).items()}
    for record in records:
        pending.setdefault(record.path, set()).add(sha256(record.text.encode("utf-8")))
    write_atomically(into / PENDING, _json({k: sorted(v) for k, v in pending.items()}))
    placed = find_records(into)
    result = WriteResult()
    for record in records:
        where = placed.get(record.id, record.path)
        data = record.text.encode("utf-8")
        ours = {manifest.get(record.path), *pending.get(record.path, set())} - {None}
        outcome = _write_one(into / where, data, ours, record.path in manifest, force)
        getattr(result, outcome).append(where)
        result.paths.append(where)
        if outcome not in ("kept_edits", "deleted"):
            manifest[record.path] = sha256(data)
    if complete:
        _remove_stale(into, manifest, {record.path for record in records}, result)
    write_if_changed(into / MANIFEST, _json(manifest))
    (into / PENDING).unlink(missing_ok=True)
    return result


def _remove_stale(into: Path, manifest: dict[str, str], made: set[str],
                  result: WriteResult) -> None:
    """Remove from ``into`` and ``manifest`` the records an earlier import wrote that are not
    ``made`` now; name those an editor changed (or moved: then the manifest forgets it)."""
    for path in sorted(set(manifest) - made):
        target = into / path
        if not writable(into, path) or path.startswith("raw/"):
            del manifest[path]
            result.ignored.append(path)
        elif not target.is_file():
            del manifest[path]  # deleted or moved by the editor: theirs now
        elif sha256(target.read_bytes()) == manifest[path]:
            target.unlink()
            del manifest[path]
            result.removed.append(path)
        else:
            result.orphaned.append(path)


def _write_one(target: Path, data: bytes, ours: set[str | None], imported_before: bool,
               force: bool) -> str:
    """Write one file if it is safe; return which WriteResult list it belongs in."""
    if not target.exists():
        if imported_before and not force:
            return "deleted"
        write_atomically(target, data)
        return "created"
    current = target.read_bytes()
    if current == data:
        return "unchanged"
    if sha256(current) not in ours and not force:
        return "kept_edits"
    write_atomically(target, data)
    return "updated"


def _json(value: object) -> bytes:
    """Return ``value`` as the stable JSON these files use."""
    return (json.dumps(value, indent=1, sort_keys=True) + "\n").encode()


def _read_hashes(path: Path) -> dict[str, str]:
    """Return the manifest of the last import, empty when there is none or it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # damaged, or nested past the stack
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _read_pending(path: Path) -> dict[str, list[str]]:
    """Return the hashes a stopped import was writing, empty when there was none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # damaged, or nested past the stack
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): [str(h) for h in v] for k, v in data.items() if isinstance(v, list)}
