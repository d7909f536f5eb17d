"""Write record files without ever overwriting an editor's change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compendium.importer.records import RecordText
from compendium.output import write_atomically, write_if_changed

MANIFEST = "raw/import-manifest.json"
"""Hash of each file as the importer last wrote it, to tell hand edits from stale imports."""


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


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_records(into: Path, records: Sequence[RecordText], force: bool) -> WriteResult:
    """Write records below ``into``; keep files edited by hand unless ``force``."""
    manifest = _read_manifest(into)
    result = WriteResult()
    for record in records:
        target = into / record.path
        data = record.text.encode("utf-8")
        outcome = _write_one(target, data, manifest.get(record.path), force)
        getattr(result, outcome).append(record.path)
        if outcome != "kept_edits":
            manifest[record.path] = sha256(data)
    write_if_changed(into / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n")
                     .encode())
    return result


def _write_one(target: Path, data: bytes, imported_hash: str | None, force: bool) -> str:
    """Write one file if it is safe; return which WriteResult list it belongs in."""
    if not target.exists():
        write_atomically(target, data)
        return "created"
    current = target.read_bytes()
    if current == data:
        return "unchanged"
    if sha256(current) != imported_hash and not force:
        return "kept_edits"
    write_atomically(target, data)
    return "updated"


def _read_manifest(into: Path) -> dict[str, str]:
    """Return the manifest of the last import, empty when there is none or it is damaged."""
    try:
        data = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
