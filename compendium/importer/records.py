"""Give drafts stable ids and write them as record files: YAML front matter, Markdown body."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from compendium.importer.assemble import FRONT_FIELDS, PROFILE_SECTIONS, Assembly, Draft

_STOPWORDS_TEXT = """
    the and for with from that this which into their its has have had was were are been
    also more most such other over under within between through about across including
    in on of to a an as at by or is it be all new continued continues
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
URL = re.compile(r"https?://[^\s<>]+[^\s<>.,;:!?)\]'\"’”]")
# Characters that would turn record text into Markdown syntax it never meant.
MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>])")
ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
WRAP_CHARS = 10_000
"""Longest line a record body gets: half what the build accepts."""
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's dumper when present (ten times faster, same text), else PyYAML's."""
LINE_START_SYNTAX = re.compile(r"^[!-/:;=-@\[-`{-~]")
"""ASCII punctuation opening a line: a backslash before it shows it as written, and it
opens no block ("-", "#", ">", "~~~", "```", "===", "|" …: any may start one). Not "<",
escaped already, or an address's own brackets."""
ORDERED_ITEM = re.compile(r"^(\d{1,9})[.)](?=\s|$)")


@dataclass(frozen=True, slots=True)
class RecordText:
    """One record ready to write."""

    id: str
    """Stable id."""
    path: str
    """File path relative to the sources folder."""
    text: str
    """The whole file."""


_UNDECOMPOSED = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ð": "d", "ł": "l",
                               "þ": "th", "ı": "i"})
"""Latin letters Unicode gives no accent-free form of."""


def slugify(text: str) -> str:
    """Return ``text`` as lowercase ASCII words joined by hyphens, accents dropped (as ids'
    keywords are: "Ünïcödé Ağency" was "n-c-d-a-ency"); a name in another script as a short
    hash of itself, so that two such entities never share a folder (both were "record")."""
    slug = re.sub(r"[^a-z0-9]+", "-", _unaccented(text)).strip("-")
    if slug or not text.strip():
        return slug or "record"
    return "entity-" + hashlib.sha256(text.strip().encode()).hexdigest()[:8]


def make_ids(work: Assembly) -> list[str]:
    """Return a stable, unique id for each draft, in draft order."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for draft in work.drafts:
        base = _base_id(draft, work)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def _base_id(draft: Draft, work: Assembly) -> str:
    """Return ``<entity>-<period start or undated>-<first keywords>`` (profiles: ``-profile``)."""
    entity = slugify(draft.entity)
    if draft.kind == "profile":
        return f"{entity}-profile"
    when = f"{draft.period.start}" if draft.period else "undated"
    return f"{entity}-{when}-{_keywords(work.index.texts[draft.slots[0]], draft.entity)}"


MAX_KEYWORD = 20
"""Letters of the longest word an id takes: a longer run of letters means nothing to a
reader (a scrape's "QQQ…" of 300 made a file name too long, after other files were written)."""


def _keywords(text: str, entity: str) -> str:
    """Return the first four distinct meaningful words of ``text``, hyphenated."""
    skip = STOPWORDS | {_in_ascii(w) or w for w in re.findall(r"\w+", entity)}
    words: list[str] = []
    for word in re.findall(r"[^\W\d_]\w+", text):
        lower = _in_ascii(word)
        if lower is not None and 2 < len(lower) <= MAX_KEYWORD and lower not in skip and \
                lower not in words:
            words.append(lower)
        if len(words) == 4:
            break
    return "-".join(words) or "entry"


def _unaccented(text: str) -> str:
    """Return ``text`` in lower case, its accents dropped ("Fundación" → "fundacion")."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    return "".join(c for c in folded if not unicodedata.combining(c))


def _in_ascii(word: str) -> str | None:
    """Return ``word`` in lower-case ASCII letters and digits, its accents dropped
    ("Fundación" → "fundacion", "Straße" → "strasse"); None for a word in another script
    (an id says nothing to a reader in "-" alone). Before, an id cut a word at its first
    accented letter: "fundaci"."""
    plain = _unaccented(word)
    return plain if plain.isascii() and plain.isalnum() else None


def render_records(work: Assembly, ids: Sequence[str]) -> list[RecordText]:
    """Return every draft as a record file."""
    return [RecordText(rid, f"{slugify(d.entity)}/{rid}.md", _render(d, rid, work))
            for d, rid in zip(work.drafts, ids, strict=True)]


def _render(draft: Draft, rid: str, work: Assembly) -> str:
    """Return the record file of one draft."""
    front = _front_matter(draft, rid, work)
    body = _profile_body(draft, work) if draft.kind == "profile" else _paragraphs(
        [work.index.texts[s] for s in draft.slots])
    yaml_text = yaml.dump(front, Dumper=DUMPER, sort_keys=False, allow_unicode=True,
                          width=1000, default_flow_style=None)
    return f"---\n{yaml_text}---\n{body}\n"


def _front_matter(draft: Draft, rid: str, work: Assembly) -> dict[str, object]:
    """Return the record's fields in the order the README documents them."""
    front: dict[str, object] = {"id": rid, "kind": draft.kind, "entity": draft.entity}
    if draft.kind == "profile":
        front["name"] = draft.name or draft.entity
        for name in FRONT_FIELDS:
            values = [work.index.texts[s] for s in draft.sections.get(name, [])]
            if values:
                front[name] = "\n".join(values)
    if draft.partners:
        front["partners"] = list(draft.partners)
    if draft.period:
        period = {"start": str(draft.period.start)}
        if draft.period.end and draft.period.end != draft.period.start:
            period["end"] = str(draft.period.end)
        front["period"] = period
    if draft.themes:
        front["themes"] = list(draft.themes)
    if draft.review:
        front["review"] = draft.review
    front["sources"] = [{"page": page, "lines": f"{a}-{b}" if a != b else str(a)}
                        for page, a, b in draft.sources]
    return front


def _profile_body(draft: Draft, work: Assembly) -> str:
    """Return a profile's sections as Markdown, in the compendium's order."""
    parts = []
    for name, title in PROFILE_SECTIONS:
        texts = [work.index.texts[s] for s in draft.sections.get(name, [])]
        if not texts:
            continue
        # A resource the page already lists ("- UNRWA Gender Policy (2007)") keeps one marker.
        body = "\n".join(wrap(f"- {escape(t.removeprefix('- '))}") for t in texts) \
            if name == "resources" else (
            _paragraphs(texts))
        parts.append(f"## {title}\n\n{body}")
    return "\n\n".join(parts)


def _paragraphs(texts: Sequence[str]) -> str:
    """Join paragraphs with blank lines, keeping consecutive ``- `` items as one list."""
    out: list[str] = []
    for i, text in enumerate(texts):
        is_item = text.startswith("- ")
        line = f"- {escape(text[2:])}" if is_item else escape(text)
        separator = "\n" if is_item and i and texts[i - 1].startswith("- ") else "\n\n"
        out += [separator if out else "", wrap(line)]
    return "".join(out)


def wrap(line: str) -> str:
    """Break a line longer than WRAP_CHARS at spaces before a letter (Markdown joins the
    lines into the same paragraph; the build refuses a line of 20,000 characters)."""
    pieces: list[str] = []
    while len(line) > WRAP_CHARS:
        cut = next((i for i in range(WRAP_CHARS, WRAP_CHARS // 2, -1)
                    if line[i] == " " and line[i + 1:i + 2].isalpha()), None)
        if cut is None:
            break
        pieces.append(line[:cut])
        line = line[cut + 1:]
    return "\n".join([*pieces, line])


def escape(text: str) -> str:
    """Escape what Markdown would read as syntax, and make bare URLs links."""
    pieces, last = [], 0
    for match in URL.finditer(text):
        pieces.append(_escape_plain(text[last:match.start()]))
        pieces.append(f"<{match[0]}>")
        last = match.end()
    pieces.append(_escape_plain(text[last:]))
    escaped = "".join(pieces)
    if (number := ORDERED_ITEM.match(escaped)) is not None:
        # "1." would start a list; a backslash before the digit is no escape (CommonMark
        # escapes punctuation only) and would be printed: it goes before the dot.
        return f"{number[1]}\\{escaped[number.end(1):]}"
    return "\\" + escaped if LINE_START_SYNTAX.match(escaped) and \
        not escaped.startswith("\\") else escaped


def _escape_plain(text: str) -> str:
    """Backslash-escape Markdown's inline syntax characters and every underscore but those
    between two letters or digits ("snake_case" emphasizes nothing; in "__dunder__" the
    inner ones did, once the outer were escaped)."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = ENTITY_LIKE.sub(r"\\&", text)
    return re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", text)
