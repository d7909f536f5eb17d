"""Read a raw page and clean it: residue out, whitespace normalized, every removal noted."""

from __future__ import annotations

import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from compendium.errors import ImportFailure
from compendium.records.limits import BIDI_OVERRIDES, CONTROLS
from compendium.records.sources import NotText, read_utf8

MAX_PAGE_BYTES = 100 * 1024 * 1024
"""A listing of 20,000 long entries is about 30 MB; past this it is not a scraped page."""
# Lines that are the site's furniture, never content: each rule has a name the report gives.
RESIDUE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rf"^(?:{pattern})$", re.IGNORECASE)) for name, pattern in (
        ("navigation link", r"search|rechercher|recherche|buscar|búsqueda|"
                            r"skip to (?:main )?content|aller au contenu(?: principal)?|"
                            r"ir al contenido(?: principal)?|menu|menú|home|accueil|inicio|"
                            r"load more|back to top|retour en haut|volver arriba|"
                            r"hide|masquer|ocultar|view less|"
                            r"(?:« ?)?first|(?:‹ ?)?previous|next(?: ?›)?|last(?: ?»)?|"
                            r"suivant|précédent|siguiente|anterior|reset|apply|filter|filters"),
        ("language switcher", r"english|français|francais|español|espanol|"
                              r"(?:english|français|español)(?:\s*[|/]?\s*"
                              r"(?:english|français|español))+"),
        ("result counter", r"(?:about\s+|environ\s+|aproximadamente\s+|cerca de\s+)?"
                           r"\d+\s+(?:results?|résultats?|resultados?)"
                           r"(?:\s+(?:found|trouvés|encontrados))?|"
                           r"(?:showing\s+)?\d+\s*(?:-|–|to|à|a)\s*\d+\s+(?:of|sur|de)\s+\d+"
                           r"(?:\s+(?:results?|résultats?|resultados?))?|"
                           r"page \d+ (?:of|sur|de) \d+"),
        ("page number or stray footnote digit", r"\d{1,3}"),
        ("listing title", r"measures|mesures|medidas|agencies|agences|agencias|"
                          r"entities|entités|entidades"),
        # A line with no letter or digit says nothing: the "|" between a list's items.
        ("separator", r"[\W_]+"),
    ))
LOGO = re.compile(r"^(?P<name>.{2,80}?)\s+(?:logo|logotipo)$|"
                  r"^(?:logo|logotipo)\s+(?:de\s+l[a']\s*|de\s+|del\s+|of\s+)?(?P<after>.{2,80})$",
                  re.IGNORECASE)
"""An entity's logo: the profile block after it is that entity's (a shared block)."""
_NAME_CONNECTORS = frozenset({"of", "for", "the", "and", "on", "to", "in", "de", "des", "du",
                              "la", "le", "les", "del", "y", "et"})


def _logo_name(text: str) -> str | None:
    """Return the entity a logo line names: words in capitals (connectors aside), at most 8."""
    match = LOGO.match(text)
    if match is None:
        return None
    name = match["name"] or match["after"]
    words = name.split()
    if len(words) > 8 or not any(w[0].isupper() for w in words) or not all(
            w[0].isupper() or w[0].isdigit() or w in _NAME_CONNECTORS for w in words):
        return None
    return name


# "Hide" closes an expanded entry; scraped, it is glued to the next entry's first word.
HIDE_PREFIX = re.compile(r"^(?:Hide|Masquer|Ocultar)(?=[A-Z0-9“\"‘(])")
# A footnote mark glued after sentence punctuation: "girls.3 Next" or "girls.12" at line end.
FOOTNOTE = re.compile(r"(?<=[a-z)\]][.,;:])(\d{1,2})(?=\s|$)")
SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000]+")


WINDOWS_1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
                if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
"""C1 controls a scrape decoded as Latin-1 from Windows-1252 text: U+0092 is its ’."""


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
    logos: tuple[tuple[int, str], ...]
    """(line, entity name) of each "<Entity> Logo" line: that entity's profile block follows."""


def read_raw_page(path: Path) -> RawPage:
    """Read and clean the raw page at ``path``; raise ImportFailure when it cannot be one."""
    text = _decode(path)
    lines: list[Line] = []
    residue: list[Residue] = []
    logos: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        cleaned, dropped = clean_line(raw)
        residue += [Residue(number, d, why) for d, why in dropped]
        if (hide := HIDE_PREFIX.match(cleaned)) is not None:
            residue.append(Residue(number, hide[0], "Hide link glued to the next entry"))
            cleaned = cleaned[hide.end():]
        if (logo := _logo_name(cleaned)) is not None:
            logos.append((number, logo))
            residue.append(Residue(number, cleaned, "logo (names the block that follows)"))
            cleaned = ""
        rule = next((name for name, pattern in RESIDUE_RULES if pattern.match(cleaned)), None)
        if rule is not None:
            residue.append(Residue(number, cleaned, rule))
            cleaned = ""
        lines.append(Line(number, cleaned))
    if not any(line.text for line in lines):
        raise ImportFailure(f"{path}: no text left after cleaning; expected an inventory page")
    # NFC, as record text is read (records.sources): a name saved decomposed (a Mac's
    # "página") is cited, and kept, as the same name.
    return RawPage(unicodedata.normalize("NFC", path.name), tuple(lines), tuple(residue),
                   tuple(logos))


def clean_line(raw: str) -> tuple[str, list[tuple[str, str]]]:
    """Return the line with whitespace normalized and footnote marks removed, and what went."""
    dropped: list[tuple[str, str]] = []
    if "\u00a0" in raw:
        dropped.append(("\u00a0" * raw.count("\u00a0"), "non-breaking spaces"))
    if raw != raw.rstrip():
        dropped.append((raw[len(raw.rstrip()):], "trailing spaces"))
    # Controls and direction overrides are a scrape's debris: `check` refuses them in a
    # record (an unclosed override reverses the text after it, past the record).
    text = SPACES.sub(" ", raw.translate(WINDOWS_1252))
    unseen = "".join(CONTROLS.findall(text) + BIDI_OVERRIDES.findall(text))
    if unseen:
        dropped.append((unseen, "control or direction override characters"))
        text = BIDI_OVERRIDES.sub("", CONTROLS.sub("", text))
    text = text.strip()
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
    except OSError as exc:
        raise ImportFailure(f"{path}: cannot read: {exc.strerror}") from None
    text = read_utf8(path, MAX_PAGE_BYTES)
    if isinstance(text, NotText):
        raise ImportFailure(_refusal(path, text))
    return text.replace("\r", "\n")


def _refusal(path: Path, fault: NotText) -> str:
    """Return why the file at ``path`` is not a raw page, and what was expected."""
    match fault.fault:
        case "cannot read":
            return f"{path}: cannot read: {fault.detail}"
        case "too large":
            return f"{path}: over {MAX_PAGE_BYTES:,} bytes; expected a page under 100 MB"
        case "empty":
            return f"{path}: empty file; expected a scraped inventory page"
        case "binary":
            return f"{path}: binary file; expected UTF-8 text"
        case "not UTF-8":
            return f"{path}:{fault.line}: not UTF-8 text"


def _is_utf8(name: str) -> bool:
    """Return whether a file name decoded from the disk was UTF-8 (no escaped bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
