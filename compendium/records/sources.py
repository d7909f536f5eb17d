"""Find and read record files: YAML front matter and a Markdown body, with their lines."""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from stat import S_ISREG
from typing import Literal

from compendium.checked import Checked, gather, refused
from compendium.memo import MISSING, Memo, memoized
from compendium.model import Problem
from compendium.records.yamldoc import YamlMapping, load_mapping

MAX_FILE_BYTES = 5 * 1024 * 1024
"""A record larger than this is refused: no honest entry comes near it."""
SKIPPED_FOLDERS = frozenset({"raw"})
"""Folders of the sources tree that hold data, not records (the raw pages, import reports)."""
FENCE = "---"
FRONT_MATTER_LINE = 1
"""Line where a record's front matter starts: parse_record refuses a file that starts
otherwise. A problem with the record as a whole points there."""
NOT_RECORDS = ("README.md", "_*", "*.notes.md")
"""Files under sources/ that are notes, never records: skipped (documented in
docs/records.md)."""
NOTE = 25
"""Logging level of what the editor should know but that is not wrong (between INFO and
WARNING: shown without -v, never refused by a publication build)."""
logging.addLevelName(NOTE, "note")
log = logging.getLogger(__name__)
FIELD_LINE = re.compile(r"^[A-Za-z_]+:(?:\s|$)")
"""A front-matter field: a file starting with one is a record that lost its `---`."""


@dataclass(frozen=True, slots=True)
class RecordFile:
    """A record file split into its front matter and body."""

    path: Path
    """The file."""
    front: YamlMapping
    """Parsed front matter with the line of each field."""
    body: str
    """Markdown after the closing ``---``."""
    body_line: int
    """Line of the file where the body starts."""
    text: str = ""
    """The whole file as read (for the manifest and the sources' fingerprint)."""


def find_record_files(root: Path) -> list[Path]:
    """Return every ``*.md`` record file under ``root``, sorted, skipping data folders."""
    return list(gather(walk_records(root)).value)


def walk_records(root: Path) -> Iterator[Checked[Path | None]]:
    """Yield every ``*.md`` record file under ``root`` in order, and the problem of each
    folder or name that cannot be read (a symlink loop, a name that is not UTF-8)."""
    for found in _walk(str(root), set(), os.path.realpath(root)):
        if found.value is None:
            yield refused(*found.problems)
        elif found.value.endswith(".md"):
            yield _named(found.value)
        elif found.value.lower().endswith((".md", ".markdown")) and \
                not is_note_name(found.value) and _starts_like_a_record(found.value):
            stem = found.value.rsplit(".", 1)[0]
            yield refused(Problem(found.value, 0, "-", "-", "a record's name ends in `.md`: "
                                  f"this file is not read; expected {os.path.basename(stem)}.md"))


def _starts_like_a_record(path: str) -> bool:
    """Return whether the file opens with a record's front matter (`---`, then `id:`), so
    that a name other than `*.md` hides a record rather than a note."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return True  # reading it says why
    lines = unicodedata.normalize("NFC", head).replace("\r\n", "\n").replace("\r", "\n") \
        .split("\n")
    return bool(_late_fence(lines))


def _named(path: str) -> Checked[Path | None]:
    """Return ``path``, or the problem of a name that is not UTF-8 (the manifest, the
    messages and the HTML could not carry it)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return refused(Problem(shown, 0, "-", "-", "file name is not UTF-8; expected a UTF-8 "
                                                   "name"))
    return Checked(Path(path))


def is_note_name(path: str) -> bool:
    """Return whether the file's name says it holds notes, not a record."""
    name = os.path.basename(path).lower()
    return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in NOT_RECORDS)


def _walk(folder: str, seen: set[tuple[int, int]], inside: str
          ) -> Iterator[Checked[str | None]]:
    """Yield the files below ``folder`` in the order of their paths' parts, not entering
    skipped or hidden folders, nor a folder twice (a symlink loop), nor following a link out
    of the sources folder ``inside`` (its real path: the build reads nothing outside the
    project). (os.scandir: no stat per file, which a preview would pay for every record on
    every edit.)"""
    try:
        where = os.stat(folder)
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda entry: entry.name)
    except OSError as exc:
        yield refused(Problem(folder, 0, "-", "-", f"cannot read the folder: {exc.strerror}"))
        return
    if (where.st_dev, where.st_ino) in seen:
        yield refused(Problem(folder, 0, "-", "-", "a symlink loop: this folder is already "
                                                   "read under another name; expected no loop"))
        return
    seen.add((where.st_dev, where.st_ino))
    for entry in entries:
        if entry.is_symlink() and not is_within(os.path.realpath(entry.path), inside):
            yield refused(Problem(entry.path, 0, "-", "-", "a link to "
                                  f"{os.path.realpath(entry.path)}, outside the sources "
                                  "folder; expected the records themselves here"))
        elif _is_folder(entry):
            if entry.name not in SKIPPED_FOLDERS and not entry.name.startswith("."):
                yield from _walk(entry.path, seen, inside)
        elif entry.is_symlink() or entry.is_file() or entry.name.endswith(".md"):
            yield Checked(entry.path)  # a broken link, a pipe: read_text says why


def is_within(path: str, folder: str) -> bool:
    """Return whether ``path`` is ``folder`` or below it (both real paths)."""
    return path == folder or path.startswith(os.path.join(folder, ""))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Return whether ``entry`` is a folder (a link to itself, which cannot be followed, is
    not: reading it says why)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def relative_name(path: Path, root: Path) -> str:
    """Return ``path`` below ``root`` as a string, as ``str(path.relative_to(root))``."""
    prefix = os.path.join(root, "")
    name = str(path)
    return name[len(prefix):] if name.startswith(prefix) else str(path.relative_to(root))


def read_record_files(root: Path) -> Checked[tuple[RecordFile, ...]]:
    """Read every record file under ``root``: the readable ones, with every problem."""
    if not root.is_dir():
        return Checked((), (Problem(str(root), 0, "-", "-", "sources folder not found"),))
    read = [(found.value, _read_found(found)) for found in walk_records(root)]
    notes = [str(path) for path, file in read if file.value is None and not file.problems]
    if notes:
        log.log(NOTE, "skipped %s, not records (notes: no front matter, or named README.md, "
                "_*.md or *.notes.md)", ", ".join(notes))
    return gather(file for _, file in read)


def _read_found(found: Checked[Path | None]) -> Checked[RecordFile | None]:
    """Read a file walk_records found (None for notes), or pass on why none was found."""
    if found.value is None:
        return refused(*found.problems)
    return Checked(None) if is_note_name(str(found.value)) else read_record_file(found.value)


def read_record_file(path: Path) -> Checked[RecordFile | None]:
    """Read one record file (None when it cannot be read, or for a file of notes: text
    without front matter)."""
    text = read_text(path)
    if text.value is None:
        return refused(*text.problems)
    return parse_record(path, text.value)


INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
COMMENT_LINE = re.compile(r"^\s*<!--.*-->\s*$")


def _late_fence(lines: list[str]) -> int:
    """Return the line (from 1) of a `---` that opens a record's front matter (its block
    holds an `id:`) after nothing but blank lines, invisible characters and comments; else
    0 (notes, which may hold a `---` rule and a `Key:` line further down)."""
    for n, line in enumerate(lines):
        bare = line.strip().strip(INVISIBLE).strip()
        if not bare or COMMENT_LINE.match(bare):
            continue
        if bare != FENCE:
            return 0
        block = []
        for following in lines[n + 1:]:
            if following.strip() == FENCE:
                break
            block.append(following.lstrip(INVISIBLE))
        return n + 1 if any(ID_LINE.match(field) for field in block) else 0
    return 0


ID_LINE = re.compile(r"^id:\s*\S")


def _what_comes_first(lines: list[str]) -> str:
    """Say what stands before a late front matter."""
    if not lines:
        return "an invisible character on its line"
    if all(not line.strip() for line in lines):
        return f"{len(lines)} blank line{'s' if len(lines) > 1 else ''}"
    return "other text (" + next(line.strip() for line in lines if line.strip())[:40] + ")"


@memoized(limit=65_536)
def parse_record(path: Path, text: str) -> Checked[RecordFile | None]:
    """Split a record's text into front matter and body (None when it cannot be, or when the
    text has no front matter and does not start like one: notes, not a record).

    Remembered by path and text: a preview that rebuilds after each edit parses again only
    the file that changed. (Results are never mutated.)"""
    # NFC: a name typed on one system and read on another ("Türkiye" as T, u, U+0308) is the
    # same name; old Mac line ends (CR alone) are line ends.
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n") \
        .split("\n")
    if not lines or lines[0].strip() != FENCE:
        first = next((line for line in lines if line.strip()), "")
        late = _late_fence(lines)
        if late:
            return refused(Problem(str(path), late, "-", "-", "front matter starts on line "
                                   f"{late}, after {_what_comes_first(lines[:late - 1])}; "
                                   "expected the `---` line to be the file's first"))
        if not FIELD_LINE.match(first):
            return Checked(None)
        return refused(Problem(str(path), FRONT_MATTER_LINE, "-", "-", "no front matter; "
                               "expected the file to start with a `---` line"))
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if closing is None:
        return refused(Problem(str(path), FRONT_MATTER_LINE, "-", "-", "front matter never "
                               "closed; expected a second `---` line"))
    front = load_mapping("\n".join(lines[1:closing]), path, FRONT_MATTER_LINE + 1)
    if front.value is None:
        return refused(*front.problems)
    body = "\n".join(lines[closing + 1:]).strip("\n")
    rid = front.value.values.get("id")
    problems = tuple(replace(p, record_id=rid) if isinstance(rid, str) and p.record_id == "-"
                     else p for p in front.problems)  # named like every problem of a record
    return Checked(RecordFile(path, front.value, body, closing + 2, text), problems)


@dataclass(frozen=True, slots=True)
class NotText:
    """Why read_utf8 found no text in a file; each caller words it for its own readers."""

    fault: Literal["cannot read", "too large", "empty", "binary", "not UTF-8"]
    """Which check failed."""
    detail: str = ""
    """The system's reason (cannot read), or the first byte that is not UTF-8 (``0xff``)."""
    line: int = 0
    """Line of that byte, from 1; 0 for the other faults."""


def read_utf8(path: Path, limit: int) -> str | NotText:
    """Return the text of the UTF-8 file at ``path`` (a byte-order mark dropped, CRLF read
    as LF), or why it has none: unreadable, over ``limit`` bytes, blank, binary, not UTF-8.

    Reads at most ``limit`` + 1 bytes: a file may grow while it is read, and a device
    such as /dev/zero never ends. (Record files and the importer's raw pages alike.)"""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return NotText("cannot read", f"{exc.strerror}")
    if len(data) > limit:
        return NotText("too large")
    if not data.strip():
        return NotText("empty")
    if b"\x00" in data:
        return NotText("binary")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return NotText("not UTF-8", f"{data[exc.start]:#04x}",
                       data[: exc.start].count(b"\n") + 1)
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


_READ: Memo[tuple[Path, int, int, int, int], Checked[str | None]] = Memo(
    "record files' text", limit=65_536)
"""Each file's text (or problem) as read, by path and the file's times, size and inode then."""
SETTLED_NS = 2_000_000_000
"""How long ago a file must have changed for its text to be remembered (nanoseconds)."""


def read_text(path: Path) -> Checked[str | None]:
    """Return the file's text (None, with the problem, when it cannot be read as UTF-8).

    A file whose modification and change times, size and inode are those of its last read is
    not read again: a preview rebuilding 1,000 records after an edit reads one file. Only a
    file that changed over SETTLED_NS before it was read is remembered: the clock that dates
    changes ticks every few milliseconds, so a file written twice within a tick keeps its
    times, and the second text must not pass for the first."""
    try:
        stat = path.stat()
    except OSError as exc:
        return refused(Problem(str(path), 0, "-", "-", f"cannot read: {exc.strerror}"))
    if not S_ISREG(stat.st_mode):  # a device never ends, a pipe may never open
        return refused(Problem(str(path), 0, "-", "-", "not a regular file; expected a text "
                                                       "file"))
    key = (path, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
    seen = _READ.find(key)
    if seen is not MISSING:
        return seen
    result = _read_text(path, stat.st_size)
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS:
        _READ.keep(key, result)
    return result


def _read_text(path: Path, size: int) -> Checked[str | None]:
    """Read the file's text (see read_text)."""
    if size > MAX_FILE_BYTES:
        return refused(Problem(str(path), 0, "-", "-",
                               f"file is {size:,} bytes; expected at most {MAX_FILE_BYTES:,}"))
    text = read_utf8(path, MAX_FILE_BYTES)
    if isinstance(text, str):
        return Checked(text)
    return refused(Problem(str(path), text.line, "-", "-", _message_of(text)))


def _message_of(fault: NotText) -> str:
    """Return what is wrong with a file read_text finds no text in, and what was expected."""
    match fault.fault:
        case "cannot read":
            return f"cannot read: {fault.detail}"
        case "too large":  # it grew after read_text looked at its size
            return f"file is over {MAX_FILE_BYTES:,} bytes; expected at most {MAX_FILE_BYTES:,}"
        case "empty":
            return "empty file; expected front matter and text"
        case "binary":
            return "binary file; expected UTF-8 text"
        case "not UTF-8":
            return f"not UTF-8 (byte {fault.detail}); expected UTF-8 text"
