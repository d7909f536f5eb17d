"""Earlier states of the sources, for `--since`: a git revision, a previous build's manifest,
or a review round kept by `build.py round NAME`.

Every build writes a manifest beside its outputs listing each record file's text and the
edition's chapters (with the chapter each record went to), so that a draft can be compared with
the draft sent out last round even where the sources are not in git.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from compendium.checked import gather
from compendium.errors import CompendiumError, InvalidInput
from compendium.memo import memoized
from compendium.model import Chapter, Entity, Record
from compendium.records.chapters import assign_chapters
from compendium.records.config import ChapterSpec, Edition, load_edition
from compendium.records.provenance import git_output
from compendium.records.sources import SKIPPED_FOLDERS, RecordFile, parse_record, relative_name
from compendium.records.validate import validate_records

MANIFEST_NAME = "compendium.manifest.json"
MANIFEST_FORMAT = 1
ROUNDS_FOLDER = "rounds"
"""Beside the config: one folder per review round, holding that round's manifest and HTML."""


@dataclass(frozen=True, slots=True)
class EarlierState:
    """The sources and the edition as they were at the state ``--since`` names."""

    label: str
    """What the draft is compared with, as the banner says it."""
    records: tuple[Record, ...]
    """The records of that state."""
    chapters: tuple[tuple[str, str], ...]
    """(slug, title) of each chapter then, in reading order."""
    placement: Mapping[str, str]
    """The chapter slug each record then went to, by record id."""


def manifest_json(sources: Path, files: Sequence[RecordFile], fingerprint: str,
                  chapters: Sequence[Chapter] = ()) -> bytes:
    """Return the manifest of this build's record files: path, sha256 and text of each, and
    (given ``chapters``) the edition's chapters and where each record went.

    The bytes are ``json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)``,
    joined from one remembered piece per record: a preview rebuilding after an edit encodes
    only the edited record's text (encoding the whole manifest is a large part of a refresh)."""
    entries = sorted((relative_name(f.path, sources), f.text) for f in files)
    records = ",\n".join(_manifest_entry(name, text) for name, text in entries)
    head = f'{{\n{_edition_entry(tuple(chapters))} "format": {MANIFEST_FORMAT},\n "records": '
    tail = f',\n "sources": {json.dumps(fingerprint, ensure_ascii=False)}\n}}\n'
    return (head + (f"{{\n{records}\n }}" if records else "{}") + tail).encode()


def _edition_entry(chapters: tuple[Chapter, ...]) -> str:
    """Return the manifest's "edition" member (with its comma), or nothing without chapters."""
    if not chapters:
        return ""
    edition = {"chapters": [{"slug": c.slug, "title": c.title} for c in chapters],
               "placement": {r.id: c.slug for c in chapters for r in c.records}}
    entry = json.dumps({"edition": edition}, ensure_ascii=False, indent=1, sort_keys=True)
    return "\n".join(entry.split("\n")[1:-1]) + ",\n"


@memoized(limit=65_536)
def _manifest_entry(name: str, text: str) -> str:
    """Return one record's lines of the manifest (remembered by name and text)."""
    entry = json.dumps({name: {"sha256": _sha256(text), "text": text}}, ensure_ascii=False,
                       indent=1, sort_keys=True)
    # Indented one level deeper, as inside "records"; without the braces of its own object.
    return "\n".join(" " + line for line in entry.split("\n")[1:-1])


@memoized(limit=65_536)
def _sha256(text: str) -> str:
    """Return the hex SHA-256 of ``text`` (remembered: a preview hashes only edited files)."""
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_state(ref: str, sources: Path, edition: Edition) -> EarlierState:
    """Return the records and chapters as they were at ``ref``.

    ``ref`` is a manifest file written by an earlier build, the name of a review round kept
    beside the config (``rounds/NAME/``), or a git revision of the sources. The chapters are
    those the manifest lists, or those of the config at that revision; failing both (a
    manifest from before they were kept), the current config's, applied to the old records."""
    rounds = edition.path.parent / ROUNDS_FOLDER
    path = Path(ref)
    if not path.is_file() and (rounds / ref / MANIFEST_NAME).is_file() and "/" not in ref:
        path = rounds / ref / MANIFEST_NAME
        label = f"round {ref}"
    else:
        label = f"the draft of {path}"
    if path.is_file():
        document = _manifest(path)
        texts = _manifest_texts(path, document)
        then = edition
    else:
        commit = _commit(ref, sources)
        texts = _git_texts(commit, sources)
        then = _edition_at(commit, edition)
        label = f"git {commit[:12]}" if commit.startswith(ref) else f"git {ref} ({commit[:12]})"
        document = {}
    records, then = _records(ref, texts, then)
    return _with_placement(label, records, then, document.get("edition"))


def _records(ref: str, texts: Mapping[str, str],
             edition: Edition) -> tuple[tuple[Record, ...], Edition]:
    """Return the validated records of the texts of an earlier state, and the edition they
    were validated against: ``edition``, knowing besides the chapters and entities those
    records name that it has since dropped (a chapter removed from the config is a change
    to list, not an error in the old records)."""
    # A file that was no record then (notes, a broken file, a record `check` refused) has
    # nothing to compare: left out (its record, if valid now, reads as added). An earlier
    # state cannot be fixed: refusing it stopped every build compared with it.
    files = gather(parse_record(Path(f"{ref}:{name}"), text)
                   for name, text in sorted(texts.items())).value
    then = _knowing_what_they_name(files, edition)
    return validate_records(files, then).value, then


def _knowing_what_they_name(files: Sequence[RecordFile], edition: Edition) -> Edition:
    """Return ``edition`` with the chapters and entities ``files`` name that it lacks."""
    named = [f.front.values for f in files]
    slugs = {v["chapter"] for v in named if isinstance(v.get("chapter"), str)}
    acronyms = {v["entity"] for v in named if isinstance(v.get("entity"), str)} | {
        p for v in named if isinstance(v.get("partners"), list) for p in v["partners"]
        if isinstance(p, str)}
    new_slugs = sorted(slugs - set(edition.chapter_slugs()))
    new_acronyms = sorted(acronyms - set(edition.entity_acronyms()))
    if not new_slugs and not new_acronyms:
        return edition  # the same object: the preview's validation results stay remembered
    return replace(edition,
                   chapters=(*edition.chapters, *(ChapterSpec(s, s) for s in new_slugs)),
                   entities=(*edition.entities, *(Entity(a, a) for a in new_acronyms)))


def _with_placement(label: str, records: tuple[Record, ...], edition: Edition,
                    kept: object) -> EarlierState:
    """Return the earlier state, its chapters from the manifest or else assigned anew."""
    if isinstance(kept, dict) and isinstance(kept.get("chapters"), list) and isinstance(
            kept.get("placement"), dict):
        chapters = tuple((str(c["slug"]), str(c["title"])) for c in kept["chapters"])
        placement = {str(k): str(v) for k, v in kept["placement"].items()}
        return EarlierState(label, records, chapters, placement)
    try:
        assigned = assign_chapters(records, edition)
    except ValueError:  # a record no chapter takes: compared without its chapter
        assigned = ()
    return EarlierState(label, records, tuple((c.slug, c.title) for c in assigned),
                        {r.id: c.slug for c in assigned for r in c.records})


def _edition_at(commit: str, edition: Edition) -> Edition:
    """Return the config as it was at ``commit`` when it is in the repository, else today's."""
    project = edition.path.parent
    names = [edition.path.name, "entities.yml", "glossary.yml"]
    with tempfile.TemporaryDirectory() as folder:
        # What the config names beside itself (front matter, images) as it is today.
        for entry in project.iterdir():
            if entry.name not in names and not entry.name.startswith("."):
                (Path(folder) / entry.name).symlink_to(entry.resolve())
        for name in names:
            shown = git_output(project, "show", f"{commit}:./{name}")
            if shown:
                (Path(folder) / name).write_bytes(shown)
            elif (project / name).is_file():
                shutil.copy(project / name, Path(folder) / name)
        try:
            return load_edition(Path(folder) / edition.path.name, project)
        except InvalidInput:
            return edition


def _manifest(path: Path) -> dict[str, object]:
    """Return a manifest's document, or say it is none."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        _check_edition(document.get("edition"))
        return document
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError, OSError) as exc:
        raise _not_a_manifest(path, exc) from None


def _check_edition(edition: object) -> None:
    """Raise ValueError unless a manifest's edition is absent or its chapters (slug, title)
    and placement (record id: slug) are text, as _with_placement reads them."""
    if edition is None:
        return
    chapters = edition.get("chapters") if isinstance(edition, dict) else None
    placement = edition.get("placement") if isinstance(edition, dict) else None
    if not isinstance(chapters, list) or not all(
            isinstance(c, dict) and isinstance(c.get("slug"), str)
            and isinstance(c.get("title"), str) for c in chapters):
        raise ValueError("edition.chapters: expected a list of {slug, title}")
    if not isinstance(placement, dict) or not all(
            isinstance(v, str) for v in placement.values()):
        raise ValueError("edition.placement: expected record ids and chapter slugs")


def _not_a_manifest(path: Path, exc: Exception) -> CompendiumError:
    """Return the error of a --since file that is not a manifest."""
    return CompendiumError(f"--since {path}: not a compendium manifest ({exc}); expected "
                           f"the {MANIFEST_NAME} an earlier build wrote")


def _manifest_texts(path: Path, document: Mapping[str, object] | None = None) -> dict[str, str]:
    """Return the record texts a manifest holds, by path."""
    try:
        document = _manifest(path) if document is None else document
        records = document["records"]
        if not isinstance(records, dict):
            raise TypeError("records is not a mapping")
        return {str(k): str(v["text"]) for k, v in records.items()}
    except (KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise _not_a_manifest(path, exc) from None


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
