"""Read a raw page and clean it: residue out, whitespace normalized, every removal noted."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

from compendium.errors import ImportFailure

MAX_PAGE_BYTES = 5 * 1024 * 1024
RESIDUE_LINES = re.compile(
    r"^(search|spotlight initiative logo|skip to (main )?content|menu|home|"
    r"\d+\s+results?(\s+found)?|showing \d+\s*(-|–|to)\s*\d+ of \d+.*|page \d+ of \d+|"
    r"load more|back to top|\d{1,2})$", re.IGNORECASE)
# A footnote mark glued after sentence punctuation: "girls.3 Next" or "girls.12" at line end.
FOOTNOTE = re.compile(r"(?<=[a-z)\]][.,;:])(\d{1,2})(?=\s|$)")
SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")


@dataclass(frozen=True, slots=True)
class Line:
    """One cleaned line of a raw page."""

    number: int
    """Line number in the raw page, from 1."""
    text: str
    """The line with whitespace normalized; empty for blank lines."""


@dataclass(frozen=True, slots=True)
class Residue:
    """Text dropped from a raw page, kept for the report."""

    number: int
    """Line number in the raw page."""
    text: str
    """The exact text dropped."""
    reason: str
    """Why it was dropped."""


@dataclass(frozen=True, slots=True)
class RawPage:
    """A raw page's cleaned lines and what cleaning removed."""

    name: str
    """File name of the page."""
    lines: tuple[Line, ...]
    """Cleaned lines, blank ones included (their layout carries meaning)."""
    residue: tuple[Residue, ...]
    """Everything dropped."""
    spotlight_logo_lines: tuple[int, ...]
    """Lines where "Spotlight Initiative Logo" stood: a Spotlight profile block follows."""


def read_raw_page(path: Path) -> RawPage:
    """Read and clean the raw page at ``path``; raise ImportFailure when it cannot be one."""
    text = _decode(path)
    lines: list[Line] = []
    residue: list[Residue] = []
    logos: list[int] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        cleaned, dropped = clean_line(raw)
        residue += [Residue(number, d, why) for d, why in dropped]
        if RESIDUE_LINES.match(cleaned):
            if cleaned.lower() == "spotlight initiative logo":
                logos.append(number)
            residue.append(Residue(number, cleaned, "navigation or counter"))
            cleaned = ""
        lines.append(Line(number, cleaned))
    if not any(line.text for line in lines):
        raise ImportFailure(f"{path}: no text left after cleaning; expected an inventory page")
    return RawPage(path.name, tuple(lines), tuple(residue), tuple(logos))


def clean_line(raw: str) -> tuple[str, list[tuple[str, str]]]:
    """Return the line with whitespace normalized and footnote marks removed, and what went."""
    dropped: list[tuple[str, str]] = []
    if "\u00a0" in raw:
        dropped.append(("\u00a0" * raw.count("\u00a0"), "non-breaking spaces"))
    if raw != raw.rstrip():
        dropped.append((raw[len(raw.rstrip()):], "trailing spaces"))
    text = SPACES.sub(" ", raw).strip()
    for mark in FOOTNOTE.finditer(text):
        dropped.append((mark[1], "footnote mark"))
    return FOOTNOTE.sub("", text), dropped


def _decode(path: Path) -> str:
    """Return the page's text, or raise ImportFailure saying why it is not a text page."""
    if not path.name.isascii() and not _is_utf8(path.name):  # records list the page's name
        raise ImportFailure(f"{path}: file name is not UTF-8; expected a UTF-8 name")
    try:
        if stat.S_ISFIFO(path.stat().st_mode):  # opening a pipe waits for a writer
            raise ImportFailure(f"{path}: a pipe; expected a scraped inventory page")
        with open(path, "rb") as handle:  # at most the limit: /dev/zero never ends
            data = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise ImportFailure(f"{path}: cannot read: {exc.strerror}") from None
    if not data.strip():
        raise ImportFailure(f"{path}: empty file; expected a scraped inventory page")
    if len(data) > MAX_PAGE_BYTES:
        raise ImportFailure(f"{path}: more than {MAX_PAGE_BYTES:,} bytes; expected a page "
                            "under 5 MB")
    if b"\x00" in data:
        raise ImportFailure(f"{path}: binary file; expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailure(f"{path}:{line}: not UTF-8 text") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _is_utf8(name: str) -> bool:
    """Return whether a file name decoded from the disk was UTF-8 (no escaped bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
