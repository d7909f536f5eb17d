"""Find a raw page's structure: profile blocks of labelled fields, and streams of entries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from compendium.importer.periods import Header, is_entity_continuation, parse_header
from compendium.importer.rawpage import Line, RawPage
from compendium.model import Entity

SPOTLIGHT = "Spotlight Initiative"
LABELS = {
    "item id": "item_id", "unagency id": "agency_id", "policy framework": "policy_framework",
    "background": "background", "mail address": "mail_address",
    "address/websites": "address", "areas of work": "areas_of_work",
    "areas of focus": "areas_of_focus", "resources": "resources", "agency type": "agency_type",
    "title": "title", "icon": "icon",
}
SINGLE_LINE_FIELDS = frozenset({"item_id", "agency_id", "agency_type", "title", "icon"})
_LABEL_ALTERNATIVES = "|".join(re.escape(k) for k in sorted(LABELS, key=len, reverse=True))
GLUED_AT_END = re.compile(rf"^(?P<text>.*[.!?)”\"’])\s*(?P<label>{_LABEL_ALTERNATIVES})$",
                          re.IGNORECASE)
GLUED_AT_START = re.compile(rf"^(?P<label>{_LABEL_ALTERNATIVES})(?P<text>[A-Z0-9{{].*)$",
                            re.IGNORECASE)
VIEW_MORE = re.compile(r"\s*View More\s*", re.IGNORECASE)
CITATION = re.compile(r"https?://|www\.|\((?:[A-Z][a-z]+ )?(?:19|20)\d{2}\)|(?:19|20)\d{2}\)?\.?$"
                      r"|^Please refer")


@dataclass(frozen=True, slots=True)
class Para:
    """One paragraph (one line of the page) of content."""

    text: str
    """The cleaned text."""
    line: int
    """Line in the raw page."""
    after_marker: bool = False
    """Whether a "View More" link stood just before it: the full text starts here."""

    @property
    def is_bullet(self) -> bool:
        """Return whether the paragraph is a ``- `` list item."""
        return self.text.startswith("- ")


@dataclass(slots=True)
class ProfileBlock:
    """Labelled fields of one entity's profile as one page shows them."""

    entity_hint: str | None
    """Entity the block is about, from the page layout (None when only its fields tell)."""
    fields: dict[str, list[Para]] = field(default_factory=dict)
    """Paragraphs of each field, by field name."""
    labels: list[int] = field(default_factory=list)
    """Lines of the labels (for the source line range)."""


@dataclass(slots=True)
class Stream:
    """Paragraphs of entries: under one dated header, or undated ones."""

    header: Header | None
    """The dated header, None for undated entries."""
    entity_hint: str | None
    """Entity of the page section the stream stands in."""
    header_lines: tuple[int, ...] = ()
    """Lines of the header."""
    paras: list[Para] = field(default_factory=list)
    """The paragraphs in page order."""


@dataclass(frozen=True, slots=True)
class Layout:
    """What a page holds."""

    profiles: tuple[ProfileBlock, ...]
    """Profile blocks in page order."""
    streams: tuple[Stream, ...]
    """Entry streams in page order."""
    page_entity: str | None
    """Entity the page is about; None for a mixed listing."""


def read_layout(page: RawPage, entities: Sequence[Entity]) -> Layout:
    """Split a cleaned page into profile blocks and entry streams."""
    return _Walker(page, _name_index(entities)).walk()


def _name_index(entities: Sequence[Entity]) -> dict[str, str]:
    """Map every name a heading line may use (case-folded) to the entity acronym."""
    index: dict[str, str] = {}
    for e in entities:
        for name in (e.acronym, e.name, *e.aliases):
            index[name.casefold()] = e.acronym
    return index


def split_label(text: str) -> tuple[str, str | None, str]:
    """Return (text before, label field or None, text after) for a line holding a label."""
    if text.casefold() in LABELS:
        return "", LABELS[text.casefold()], ""
    if (m := GLUED_AT_END.match(text)) is not None:
        return m["text"], LABELS[m["label"].casefold()], ""
    if (m := GLUED_AT_START.match(text)) is not None and m["label"][0].isupper():
        return "", LABELS[m["label"].casefold()], m["text"]
    return text, None, ""


class _Walker:
    """Walk a page's lines once, keeping the state of where we are."""

    def __init__(self, page: RawPage, names: dict[str, str]) -> None:
        self.page, self.names = page, names
        self.profiles: list[ProfileBlock] = []
        self.streams: list[Stream] = []
        self.page_entity: str | None = None
        self.section_entity: str | None = None
        self.section_start = 0
        self.profile: ProfileBlock | None = None
        self.field: str | None = None
        self.stream: Stream | None = None
        self.pending_marker = False

    def walk(self) -> Layout:
        lines = [line for line in self.page.lines if line.text]
        index = 0
        while index < len(lines):
            index = self._step(lines, index)
        return Layout(tuple(self.profiles), tuple(s for s in self.streams if s.paras),
                      self.page_entity)

    def _step(self, lines: list[Line], index: int) -> int:
        line = lines[index]
        if self._awaits_single_value() and split_label(line.text)[1] is None:
            self._add_text(line)
            return index + 1
        if line.text.casefold() in self.names:
            self._start_section(line, self.names[line.text.casefold()])
            return index + 1
        header = parse_header(line.text)
        if header is not None:
            return self._start_header(lines, index, header)
        before, label, after = split_label(line.text)
        if before:
            self._add_text(Line(line.number, before))
        if label is not None:
            self._start_field(line.number, label)
            if after:
                self._add_text(Line(line.number, after))
        return index + 1

    def _awaits_single_value(self) -> bool:
        """Whether an open one-line field (Title, Icon, an ID) still waits for its value."""
        return (self.profile is not None and self.field in SINGLE_LINE_FIELDS
                and not self.profile.fields[self.field])

    def _start_section(self, line: Line, entity: str) -> None:
        """A heading naming an entity: what follows is about it."""
        self.page_entity = self.page_entity or entity
        self.section_entity, self.section_start = entity, line.number
        self.profile = self.field = None
        self.stream = None

    def _start_header(self, lines: list[Line], index: int, header: Header) -> int:
        """A dated header, maybe with its entity list broken across lines."""
        names, used = list(header.entities), [lines[index].number]
        continues = header.continues
        while continues and index + 1 < len(lines) and is_entity_continuation(
                lines[index + 1].text):
            index += 1
            names += [n.strip() for n in lines[index].text.split(";") if n.strip()]
            used.append(lines[index].number)
            continues = lines[index].text.endswith(";")
        header = Header(header.period, tuple(names), False)
        self.profile = self.field = None
        self.stream = Stream(header, self.section_entity, tuple(used))
        self.streams.append(self.stream)
        return index + 1

    def _start_field(self, number: int, label: str) -> None:
        """A label: open a profile block if none is open, then the field."""
        if self.profile is None:
            self.profile = ProfileBlock(self._profile_entity(number))
            self.profiles.append(self.profile)
            self.stream = None
        self.field = label
        self.profile.fields.setdefault(label, [])
        self.profile.labels.append(number)

    def _profile_entity(self, number: int) -> str | None:
        """Spotlight's shared block follows its logo; otherwise the section's entity."""
        logos = [n for n in self.page.spotlight_logo_lines if self.section_start <= n < number]
        return SPOTLIGHT if logos else self.section_entity

    def _add_text(self, line: Line) -> None:
        """Content text: a field value, or a paragraph of the current entry stream."""
        for piece, marker in _split_view_more(line.text):
            if marker:
                self.pending_marker = True
            if piece:
                self._add_piece(Para(piece, line.number, self.pending_marker))
                self.pending_marker = False

    def _add_piece(self, para: Para) -> None:
        if self.profile is not None and self.field is not None and self._is_field_text(para):
            self.profile.fields[self.field].append(para)
            return
        self.profile = self.field = None
        if self.stream is None:
            self.stream = Stream(None, self.section_entity)
            self.streams.append(self.stream)
        self.stream.paras.append(para)

    def _is_field_text(self, para: Para) -> bool:
        """Whether text still belongs to the open field rather than to entries after it."""
        assert self.profile is not None and self.field is not None
        values = self.profile.fields[self.field]
        if self.field in SINGLE_LINE_FIELDS:
            return not values
        if self.field == "resources":
            return bool(CITATION.search(para.text))
        return True


def _split_view_more(text: str) -> list[tuple[str, bool]]:
    """Split a line at "View More" links: [(text, whether a marker preceded it)]."""
    pieces = VIEW_MORE.split(text)
    return [(piece.strip(), i > 0) for i, piece in enumerate(pieces)
            if piece.strip() or i > 0]
