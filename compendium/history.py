"""Earlier states of the sources, for `--since`: a git revision or a previous build's manifest.

Every build writes a manifest beside its outputs listing each record file's text, so that a
draft can be compared with the draft sent out last round even where the sources are not in git.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path

from compendium.config import Edition
from compendium.errors import CompendiumError, InvalidInput
from compendium.model import Record
from compendium.provenance import git_output
from compendium.sources import SKIPPED_FOLDERS, RecordFile, parse_record, relative_name
from compendium.validate import validate_records

MANIFEST_NAME = "compendium.manifest.json"
MANIFEST_FORMAT = 1


def manifest_json(sources: Path, files: Sequence[RecordFile], fingerprint: str) -> bytes:
    """Return the manifest of this build's record files: path, sha256 and text of each.

    The bytes are ``json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)``,
    joined from one remembered piece per record: a preview rebuilding after an edit encodes
    only the edited record's text (the whole manifest took a quarter of an HTML refresh)."""
    entries = sorted((relative_name(f.path, sources), f.text) for f in files)
    records = ",\n".join(_manifest_entry(name, text) for name, text in entries)
    head = f'{{\n "format": {MANIFEST_FORMAT},\n "records": '
    tail = f',\n "sources": {json.dumps(fingerprint, ensure_ascii=False)}\n}}\n'
    return (head + (f"{{\n{records}\n }}" if records else "{}") + tail).encode()


@functools.lru_cache(maxsize=65_536)
def _manifest_entry(name: str, text: str) -> str:
    """Return one record's lines of the manifest (remembered by name and text)."""
    entry = json.dumps({name: {"sha256": _sha256(text), "text": text}}, ensure_ascii=False,
                       indent=1, sort_keys=True)
    # Indented one level deeper, as inside "records"; without the braces of its own object.
    return "\n".join(" " + line for line in entry.split("\n")[1:-1])


@functools.lru_cache(maxsize=65_536)
def _sha256(text: str) -> str:
    """Return the hex SHA-256 of ``text`` (remembered: a preview hashes only edited files)."""
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_records(ref: str, sources: Path, edition: Edition) -> tuple[str, tuple[Record, ...]]:
    """Return a label for ``ref`` and the records of the sources as they were at ``ref``.

    ``ref`` is a manifest file written by an earlier build, or a git revision."""
    path = Path(ref)
    if path.is_file():
        texts, label = _manifest_texts(path), f"the draft of {path}"
    else:
        commit = _commit(ref, sources)
        texts = _git_texts(commit, sources)
        label = f"git {commit[:12]}" if commit.startswith(ref) else f"git {ref} ({commit[:12]})"
    files = []
    for name, text in sorted(texts.items()):
        parsed = parse_record(Path(f"{ref}:{name}"), text)
        if isinstance(parsed, RecordFile):
            files.append(parsed)
    records, problems = validate_records(files, edition)
    if problems:
        raise InvalidInput(problems)
    return label, tuple(records)


def _manifest_texts(path: Path) -> dict[str, str]:
    """Return the record texts a manifest holds, by path."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        return {str(k): str(v["text"]) for k, v in document["records"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise CompendiumError(f"--since {path}: not a compendium manifest ({exc}); expected "
                              f"the {MANIFEST_NAME} an earlier build wrote") from None


def _commit(ref: str, sources: Path) -> str:
    """Return the full commit id ``ref`` names in the repository holding ``sources``."""
    commit = git_output(sources, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode()
    if not commit.strip():
        raise CompendiumError(f"--since {ref}: neither a manifest file nor a git revision of "
                              f"the repository holding {sources}")
    return commit.strip()


def _git_texts(commit: str, sources: Path) -> dict[str, str]:
    """Return the record texts of ``sources`` at ``commit``, by path below it."""
    prefix = git_output(sources, "rev-parse", "--show-prefix").decode().strip()
    archive = git_output(sources, "archive", "--format=tar", commit, "--", ".")
    if not archive:  # the commit is older than the sources folder: every record is new since
        return {}
    try:
        return _tar_texts(archive, prefix)
    except tarfile.TarError as exc:
        raise CompendiumError(f"--since {commit[:12]}: git gave no readable archive of the "
                              f"sources ({exc})") from None


def _tar_texts(archive: bytes, prefix: str) -> dict[str, str]:
    """Return the record texts a tar archive of the sources holds, by path below them."""
    texts = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix(prefix)
            parts = Path(name).parts
            if not member.isfile() or not name.endswith(".md") or any(
                    part in SKIPPED_FOLDERS or part.startswith(".") for part in parts[:-1]):
                continue
            handle = tar.extractfile(member)
            if handle is not None:
                texts[name] = handle.read().decode("utf-8", "replace")
    return texts
