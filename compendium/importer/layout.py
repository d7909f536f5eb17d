"""Find a raw page's structure: profile blocks of labelled fields, and streams of entries."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from compendium.importer.attribution import Names, name_key, split_name_and_acronym
from compendium.importer.periods import Header, is_entity_continuation, parse_header
from compendium.importer.rawpage import Line, RawPage
from compendium.records.countries import countries_named

# Field labels as the English, French and Spanish versions of the site write them.
LABEL_NAMES: dict[str, tuple[str, ...]] = {
    "item_id": ("item id",),
    "agency_id": ("unagency id", "un agency id"),
    "policy_framework": ("policy framework", "cadre politique", "cadre stratégique",
                         "cadre de politique", "cadre d'action", "marco normativo",
                         "marco de políticas", "marco de política", "marco político",
                         "marco estratégico"),
    "background": ("background", "contexte", "historique", "antecedentes", "contexto"),
    "mail_address": ("mail address", "mailing address", "adresse postale",
                     "dirección postal", "direccion postal"),
    "address": ("address/websites", "address/website", "adresse/sites web",
                "adresse/sites internet", "dirección/sitios web", "direccion/sitios web"),
    "areas_of_work": ("areas of work", "domaines de travail", "domaines d'activité",
                      "áreas de trabajo", "areas de trabajo", "esferas de trabajo"),
    "areas_of_focus": ("areas of focus", "domaines d'intervention", "domaines prioritaires",
                       "áreas de interés", "áreas de enfoque", "áreas prioritarias",
                       "esferas prioritarias"),
    "resources": ("resources", "ressources", "recursos"),
    "agency_type": ("agency type", "type d'entité", "type d'organisme", "type d'agence",
                    "tipo de organismo", "tipo de entidad", "tipo de agencia"),
    "title": ("title", "titre", "título", "titulo"),
    "icon": ("icon", "icône", "icone", "icono", "ícono"),
}
NODE_FIELDS: dict[str, tuple[str, ...]] = {
    "item_path": ("item path",),
    "un_agency": ("un agency",),
    "inventory_period": ("un inventory period",),
    "abstract": ("abstract",),
}
"""The fields a node page (``…/node/994``: one dated entry) lists under its text: its Item
ID, its path in the site, its agency and period (often empty) and an abstract, a teaser of
the text above. They describe the entry shown, not a profile: read as structure (the
abstract as a copy of the entry's text), never as an entity ("UN Agency") or a record."""
LABELS = {name: field for field, names in LABEL_NAMES.items() for name in names}
NODE_LABELS = {name: field for field, names in NODE_FIELDS.items() for name in names}
NODE_LABEL = re.compile(rf"^(?P<label>{'|'.join(map(re.escape, NODE_LABELS))})"
                        r"\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
SINGLE_LINE_FIELDS = frozenset({"item_id", "agency_id", "agency_type", "title", "icon"})
ID_FIELDS = frozenset({"item_id", "agency_id"})
PROFILE_TEXT_FIELDS = ("background", "policy_framework", "areas_of_work", "areas_of_focus",
                       "resources")
"""A profile's sections of text."""
SINGLE_VALUE_WORDS = 16
"""Words of the longest name a Title or Icon field holds (the longest entity name has 15)."""


def reads_as_value(field: str, text: str) -> bool:
    """Whether ``text`` reads as the value of the one-line ``field``: an ID is one word; a
    title, icon or type a name, not a sentence."""
    words = text.split()
    if field in ID_FIELDS:
        return len(words) == 1
    return len(words) <= SINGLE_VALUE_WORDS and not (
        len(words) > 6 and text.rstrip().endswith((".", "!", "?")))
_LABELS_LONGEST = sorted(LABELS, key=len, reverse=True)
_LABEL_ALTERNATIVES = "|".join(re.escape(k) for k in _LABELS_LONGEST)
LABEL_COLON = re.compile(rf"^(?P<label>{_LABEL_ALTERNATIVES})\s*:\s*(?P<text>\S.*)$",
                         re.IGNORECASE)
SENTENCE_PUNCTUATION = ".!?)”\"’。！？।۔؟…»"
"""What ends a sentence, in the scripts the inventory's pages are written in and others
("联合国机构在中国开展了培训。" is a whole sentence, not a cut-off fragment)."""
# "View More" (and the French and Spanish links) stands before the full text of an entry.
CONTINUATION = re.compile(r"[.,;:!?)\]]")
"""How a line that carries on the line above starts: punctuation that no sentence, item or
label starts with (a scraper broke the line before it, at a link or an inline tag)."""
VIEW_MORE = re.compile(r"View More|Voir plus|Ver más", re.IGNORECASE)
_YEAR_CITED = r"\((?:[A-Z][a-z]+ )?(?:19|20)\d{2}\)"
_REFERS = r"^(?:Please refer|Veuillez|Véase|Consulte)"
CITATION = re.compile(rf"https?://|www\.|{_YEAR_CITED}|(?:19|20)\d{{2}}\)?\.?$|{_REFERS}")
ENDS_CITED = re.compile(rf"(?:https?://\S+|www\.\S+|{_YEAR_CITED}|(?:19|20)\d{{2}}\)?)[.;,]?$"
                        rf"|{_REFERS}")
"""A line that ends as a citation does (an address, a year) or refers elsewhere: no sentence
cut off there. (CITATION finds an address or a year anywhere in a line: a page cut "…plans
for the pr" after "(1994)" was not warned about.)"""
# A heading names an entity when it reads as an organization's name or an acronym.
ACRONYM_HEADING = re.compile(r"^(?:[A-Z][A-Z0-9]{1,9}(?:[-/][A-Z0-9]{2,9}){0,2}|"
                             r"UN[- ][A-Z][a-z]+)$")
_ORG = (r"organi[sz]ation|organización|organismo|office|bureau|oficina|department|"
        r"département|departamento|programme|program|programa|fund|fonds|fondo|commission|"
        r"comisión|agency|agence|entity|entité|entidad|initiative|iniciativa|network|réseau|"
        r"division|división|institute|institut|instituto|union|unión|bank|banque|banco|"
        r"council|conseil|consejo|secretariat|secrétariat|secretaría|centre|center|centro|"
        r"university|université|universidad|mission|misión|campaign|campagne|campaña|"
        r"college|conference|conférence|conferencia|partnership|alliance|task force|group")
ORG_NAME = re.compile(
    rf"^(?:the |l[ae'] ?|el )?(?:united nations|nations unies|naciones unidas|un |onu )|"
    rf"\b(?:{_ORG})$|"
    rf"\b(?:{_ORG})\s+(?:for|of|on|to|pour|de|des|du|sur|para|del|contre|contra|against)\b",
    re.IGNORECASE)
GLUED_PARAGRAPHS = re.compile(r"(?:(?<=[a-z]{3}[.!?])|(?<=\)[.!?])|(?<=\b\d{4}[.!?]))"
                              r"(?=[A-Z][a-z]|[A-Z]{2,}(?:\s|[’']s\b))")
"""Where a scrape lost a paragraph break: a sentence's end (after a word, a bracket or a
year) glued to the next one's start ("…awareness-raising.UNAIDS co-sponsors…", "…Conference
(2004).ECLAC’s mandate"); another copy of the page may have the two
paragraphs apart, and they must read as the same ones."""
WEB_ADDRESS = re.compile(r"://|^www\.|/", re.IGNORECASE)
"""A word that is (part of) a web address: a `?` in it ends no sentence
("Report.aspx?ReportId=89179"), nor a `.` unless a plain word follows (glued_parts)."""
SITE_LINE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
"""A line holding a web address alone (an agency's website under its address)."""


def glued_parts(text: str) -> list[str]:
    """Return ``text`` cut where a scrape lost a paragraph break (GLUED_PARAGRAPHS), but not
    inside a web address."""
    parts: list[str] = []
    start = 0
    for match in GLUED_PARAGRAPHS.finditer(text):
        at = match.start()
        before, after = text[:at].rsplit(None, 1)[-1], text[at:].split(None, 1)[0]
        # In an address, only a full stop that a plain word follows ends a sentence
        # ("…/publications.UNICEF launched"); not a `?` ("aspx?ReportId=8").
        if not WEB_ADDRESS.search(before + after) or \
                (before.endswith(".") and after.isalpha()):
            parts.append(text[start:at])
            start = at
    return [*parts, text[start:]]


CUT_FRAGMENT_WORDS = 3
"""Words of a page's last line, cut off mid-sentence, too few to stand as a record."""
HEADING_MAX_CHARS = 160
ORG_NAME_CHARS = 120
"""The longest entity names (the Special Representatives' offices) are about 100 characters."""
ADDRESS_FIELDS = frozenset({"address", "mail_address"})
"""Fields whose lines (a street, a city, "USA") are never headings."""
RESOURCE_TITLE_CHARS = 200
ADDRESS_LINE_CHARS = 150
ADDRESS_LINES = 8
"""An address is a few short lines: a longer paragraph after one is an entry."""
ADDRESS_LINE_WORDS = 12
"""Words of an address line written without its label ("Case Postale 2500. CH-1211 Genève 2
Dépôt. Suisse.")."""
LEAD_MAX_WORDS = 8
"""Words of a line that may lead the entry after it (a category: "Data Collection"); a
title-case first line of a page with more is the page's title."""


def is_heading_like(text: str) -> bool:
    """Whether a line could be a heading: short, no sentence punctuation at its end."""
    return (len(text) <= HEADING_MAX_CHARS and text[:1].isupper() and len(text.split()) <= 20
            and not text.endswith((".", "!", "?", ";", ":", ",")) and not text.startswith("- "))


def is_lead_line(text: str) -> bool:
    """Whether a line may lead the entry after it: a category the site shows above an entry
    ("Data Collection", "Afghanistan Country Office"), maybe with a colon ("Ecuador Country
    Office:"): a few title-case words, not a sentence."""
    if len(text.split()) > LEAD_MAX_WORDS:
        return False
    if text.endswith(":"):
        return is_heading_like(text[:-1]) and is_title_case(text[:-1])
    return is_heading_like(text)


def names_organization(text: str) -> bool:
    """Whether a heading-like line reads as an entity's acronym or name: an acronym, or a
    short title-case name with an organization's word ("… Organization for …"); not an
    address ("United Nations Headquarters. Room 613. … NY 10017. USA": numbers, sentences)."""
    if re.search(r"\d{2,}", text) or len(re.findall(r"\.\s", text)) >= 2:
        return False
    return bool(ACRONYM_HEADING.match(text)) or (
        len(text) <= ORG_NAME_CHARS and is_title_case(text) and bool(ORG_NAME.search(text)))


def _address_like(text: str) -> bool:
    """Whether a line without its label reads as a line of an address: names and numbers
    ("Via Cesare Giulio Viola 68. Parco dei Medici. 00148 - Rome - Italy", "7 place
    Fontenoy, 75352 Paris 07 SP, France"): a number, few words in lower case (dashes and
    other marks not counted), and a sentence's end only with two numbers or more ("Case
    Postale 2500. CH-1211 Genève 2 Dépôt. Suisse."; "UNICEF works in 190 countries." is a
    sentence)."""
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    numbers = len(re.findall(r"\d+", text))
    if not words or not numbers or len(words) > 2 * ADDRESS_LINE_WORDS or \
            sum(word[0].islower() for word in words) * 4 > len(words) or \
            text.endswith((":", ";", ",")):
        return False
    return not text.endswith(tuple(".!?")) or numbers >= 2


POSTAL = re.compile(
    r"(?i)\b(?:street|st\.|avenue|ave\.|road|rd\.|boulevard|blvd|via|viale|rue|place|platz"
    r"|stra(?:ss|ß)e|calle|avenida|chemin|route|p\.\s?o\.|box|postale|casilla|apartado"
    r"|floor|building|plaza|room|suite|cedex|usa|u\.s\.a\.|suisse|schweiz)\b"
    r"|\b[A-Z]{2} \d{5}\b")
"""What only an address says: a street's or a box's word, a state and ZIP code."""


def _postal_address(text: str) -> bool:
    """Whether a line reads as an address for sure, enough to open a profile without a
    label: an address line (``_address_like``) that names a street, a box or a country
    ("Via … Rome - Italy", "P.O. Box 11-8575, … Beirut, Lebanon", "… NY 10017. USA"). A
    headline with numbers ("Phase II 2024 - 2028 Results In 25 Countries") made a page
    one entity's profile."""
    return _address_like(text) and (POSTAL.search(text) is not None or
                                    bool(countries_named(text)))


def is_title_case(text: str) -> bool:
    """Whether most longer words of ``text`` start with a capital, as listing headings do."""
    words = [w for w in text.split() if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) * 3 >= len(words) * 2


@dataclass(frozen=True, slots=True)
class Para:
    """One paragraph (one line of the page) of content."""

    text: str
    """The cleaned text."""
    line: int
    """Line in the raw page."""
    after_marker: bool = False
    """Whether a "View More" link stood just before it: the full text starts here."""
    glued: bool = False
    """Whether a scrape glued it to the paragraph before on one line (GLUED_PARAGRAPHS):
    the same entry's next paragraph, never an entry of its own."""

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
    after_logo: bool = False
    """Whether an entity's logo stood just before the block (then it is that entity's)."""


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
    structure: tuple[tuple[int, str, str, str], ...] = ()
    """(line, text, rule, entity or "") of each line read as structure, not content; the
    entity is the key it had when read (a later merge may rename it)."""


def read_layout(page: RawPage, names: Names) -> Layout:
    """Split a cleaned page into profile blocks and entry streams, learning into ``names``
    the entities its headings name that nobody knew."""
    return _Walker(page, names).walk()


def _label(text: str) -> str | None:
    """Return the field of a label written alone (maybe with a colon), else None."""
    key = name_key(text.removesuffix(":")).replace(" / ", "/")
    return LABELS.get(key)


def split_label(text: str, in_profile: bool = False) -> tuple[str, str | None, str]:
    """Return (text before, label field or None, text after) for a line holding a label.

    Labels stand alone, before a colon, glued to the end of the previous sentence or to
    the start of their value; inside a profile, also before their value and a space."""
    if (field_name := _label(text)) is not None:
        return "", field_name, ""
    if (m := LABEL_COLON.match(text)) is not None and \
            (field_name := LABELS.get(name_key(m["label"]))) is not None:  # "TİTLE" folds apart
        return "", field_name, m["text"]
    folded = text.casefold()
    for label in _LABELS_LONGEST:
        if folded.endswith(label) and len(text) > len(label):
            before = text[:-len(label)].rstrip()
            if before and before[-1] in SENTENCE_PUNCTUATION:
                return before, LABELS[label], ""
        if folded.startswith(label) and len(text) > len(label) and text[0].isupper():
            after = text[len(label):]
            if after[0].isupper() or after[0].isdigit() or after[0] in "{/":
                return "", LABELS[label], after
            if in_profile and after[0] == " " and after[1:2].isupper() | after[1:2].isdigit():
                return "", LABELS[label], after[1:]
    return text, None, ""


class _Walker:
    """Walk a page's lines once, keeping the state of where we are."""

    def __init__(self, page: RawPage, names: Names) -> None:
        self.page, self.names = page, names
        self.profiles: list[ProfileBlock] = []
        self.streams: list[Stream] = []
        self.structure: list[tuple[int, str, str, str]] = []
        self.page_entity: str | None = None
        self.section_entity: str | None = None
        self.section_start = 0
        self.block_start = 0
        self.profile: ProfileBlock | None = None
        self.field: str | None = None
        self.stream: Stream | None = None
        self.pending_marker = False
        self.last_heading: tuple[int, str] | None = None
        self.lead: Stream | None = None
        """Undated text right under the section's heading, before any label or dated
        header: the profile's opening text if the section's labels follow it."""
        self.last_text: tuple[list[Para], int] | None = None
        """Where the last content line went (the paragraphs holding it), and its line."""
        self.node_field: str | None = None
        """A node page's one-line field whose value may be on the next line."""
        self.node_page = False
        """Whether the page has shown a node page's Item Path: its other fields follow."""
        self.sections: list[tuple[int, str, str | None]] = []
        """(line, entity, entity of the heading right above it or None) of each heading
        naming an entity."""

    def walk(self) -> Layout:
        lines = [line for line in self.page.lines if line.text]
        index = 0
        while index < len(lines):
            index = self._step(lines, index)
        self._undo_stray_headings()
        return Layout(tuple(self.profiles), tuple(s for s in self.streams if s.paras),
                      self.page_entity, tuple(self.structure))

    def _step(self, lines: list[Line], index: int) -> int:
        line = lines[index]
        if index and self._carries_on(line, lines[index - 1]):
            return index + 1
        if index == len(lines) - 1 and self._cut_fragment(line, lines):
            return index + 1
        before, label, after = split_label(line.text, self.profile is not None)
        if self.node_field is not None:  # a node field's value, or the next label
            self.node_field = None
            if label is None and parse_header(line.text) is None:
                self.structure.append((line.number, line.text, "node page's field value", ""))
                return index + 1
        if (node := self._node_label(line.text)) is not None:
            self._node_field(line, node[0])
            if node[1]:
                self.structure.append((line.number, node[1], "node page's field value", ""))
            return index + 1
        if self._awaits_single_value(line.text) and label is None:
            self._add_text(line)
            return index + 1
        entity = self.names.lookup_heading(line.text)
        if entity is not None:
            self._start_section(line, entity, index)
            return index + 1
        header = parse_header(line.text)
        if header is not None:
            return self._start_header(lines, index, header)
        if label is None and _postal_address(line.text) and \
                not names_organization(line.text) and \
                (self._under_titles_only(index) or self._right_under_heading(index)):
            return self._unlabelled_profile(lines, index)
        if label is None and self._heading(lines, index):
            return index + 1
        if before:
            self._add_text(Line(line.number, before))
        if label is not None:
            self._start_field(line.number, label)
            if after:
                self._add_text(Line(line.number, after))
        return index + 1

    def _carries_on(self, line: Line, above: Line) -> bool:
        """Join ``line`` to the paragraph of the line above if it carries it on (starts
        with CONTINUATION punctuation, or in lower case under a line that ends no sentence:
        "… The six thematic pillars that" / "from the continued solid base …"; right under
        content: a blank line between them ends the paragraph); return whether it did."""
        if self.last_text is None or self.last_text[1] != above.number or \
                line.number != above.number + 1:
            return False
        paras, _ = self.last_text
        last = paras[-1]
        if CONTINUATION.match(line.text):
            joined = last.text + line.text
        elif line.text[:1].islower() and last.text[-1:].isalnum() and not last.is_bullet:
            joined = f"{last.text} {line.text}"
        else:
            return False
        paras[-1] = replace(last, text=joined)
        self.last_text = (paras, line.number)
        self.structure.append((line.number, line.text, "carries on the line above", ""))
        return True

    def _cut_fragment(self, line: Line, lines: Sequence[Line]) -> bool:
        """Join the page's last line to the paragraph above when it is the first words of a
        paragraph the scrape cut off ("In"): a record of its own would hold nothing else
        (the import warns that the page is cut). When those words begin a paragraph of the
        page already ("As per its", a repeat), they are that paragraph's cut copy, read
        and left. Return whether the line was taken so."""
        words = " ".join(line.text.split()).casefold()
        earlier = next((other for other in lines[:-1] if other.number != line.number and
                        " ".join(other.text.split()).casefold().startswith(words + " ")),
                       None)
        if earlier is not None and len(line.text.split()) <= CUT_FRAGMENT_WORDS:
            self.structure.append((line.number, line.text, "cut-off copy of the paragraph "
                                   f"at line {earlier.number}", ""))
            return True
        if self.last_text is None or self.field in (*ADDRESS_FIELDS, "resources") or \
                len(line.text.split()) > CUT_FRAGMENT_WORDS or \
                line.text.endswith(tuple(SENTENCE_PUNCTUATION)) or \
                split_label(line.text)[1] is not None or parse_header(line.text) is not None \
                or self.names.lookup_heading(line.text) is not None:
            return False
        paras, _ = self.last_text
        last = paras[-1]
        if not last.text.endswith(tuple(SENTENCE_PUNCTUATION)):
            return False
        paras[-1] = replace(last, text=f"{last.text} {line.text}")
        self.structure.append((line.number, line.text, "cut-off fragment joined to the "
                               "paragraph above", ""))
        return True

    def _heading(self, lines: list[Line], index: int) -> bool:
        """Read an unknown heading: an entity's name (learned), the full name under an
        entity's acronym, or the title of a group of dated entries. False for content."""
        line = lines[index]
        if not is_heading_like(line.text) or self.field in ADDRESS_FIELDS:
            return False
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        if names_organization(line.text):
            above = self.last_heading
            if above is not None and above[0] == index - 1 and _spells(above[1], line.text):
                entity = self.names.learn(above[1], line.text, self.page.name, line.number,
                                          "page heading")
                self.structure.append((line.number, line.text, "heading naming", entity))
                return True
            if index == 0 or self._opens_section(following):
                name, key = split_name_and_acronym(line.text) or (line.text, line.text)
                entity = self.names.learn(key, name, self.page.name, line.number,
                                          "page heading")
                self._start_section(line, entity, index)
                return True
            return False
        in_field = self.profile is not None and self.field is not None
        if in_field and self._is_field_text(Para(line.text, line.number)):
            return False  # a resource's title, say, not a listing's heading
        at_top = self.section_entity is None and self.profile is None and self.stream is None
        if at_top and is_title_case(line.text) and (
                _label(following) is not None or (is_heading_like(following)
                                                  and is_title_case(following))):
            # A listing's titles at the page's top, above its Item ID or another title
            # ("Prevention and Advocacy", "Prevention, Including Awareness Raising …").
            self.structure.append((line.number, line.text, "page title", ""))
            return True
        if index == 0 and is_title_case(line.text) and (
                len(line.text.split()) > LEAD_MAX_WORDS or not _leads_elsewhere(lines)):
            # A listing's title ("Enhanced Capacity of UN Entity in Relation to Violence
            # Against Women", "Data Collection, Analysis and Research"): too long for a
            # category leading the entry below it, or the page's only such line (a search
            # page shows a category above several of its entries).
            self.structure.append((line.number, line.text, "page title", ""))
            return True
        if is_title_case(line.text) and parse_header(following) is not None:
            self.structure.append((line.number, line.text, "listing heading (groups the "
                                   "dated entries below)", ""))
            self.profile = self.field = self.stream = None
            return True
        return False

    def _undo_stray_headings(self) -> None:
        """Give back to the heading above the text under a heading stacked right under
        it when that text names the heading above and never its own: a logo's or a
        breadcrumb's name ("UN Women" under OCHA's heading, then OCHA's address and text)
        made a whole page the other entity's."""
        ends = [number for number, _, _ in self.sections[1:]] + [sys.maxsize]
        for (start, entity, above), end in zip(self.sections, ends, strict=False):
            if above is None:
                continue
            # A dated header's list says whose its entries are, whatever the heading.
            streams = [s for s in self.streams if s.entity_hint == entity and s.paras
                       and start < s.paras[0].line < end
                       and not (s.header is not None and s.header.entities)]
            blocks = [b for b in self.profiles if b.entity_hint == entity
                      and start < _first_line(b) < end]
            texts = [p.text for s in streams for p in s.paras] + [
                p.text for b in blocks for name, paras in b.fields.items()
                if name not in ADDRESS_FIELDS for p in paras]
            # Named anywhere, as who acts or as a partner ("In partnership with OCHA, UN
            # Women trained …" is UN Women's): only text never naming its heading's entity
            # is the one above's.
            named = set().union(*(self.names.named(text) for text in texts))
            if not (streams or blocks) or self.names.lookup(entity) in named or \
                    self.names.lookup(above) not in named:
                continue
            for stream in streams:
                stream.entity_hint = above
            for block in blocks:
                block.entity_hint = above
            self.structure = [
                (n, text, f"stray heading under {above}'s: the text below names {above}, "
                 f"never {entity}", "") if n == start and rule == "heading naming" else
                (n, text, rule, key) for n, text, rule, key in self.structure]

    def _under_titles_only(self, index: int) -> bool:
        """Whether the line at ``index`` opens the page's content: nothing above it but the
        page's titles (a listing's long title above an agency's address made the address
        two activities of no one's, and the profile lost it)."""
        return not self.profiles and not self.streams and self.stream is None and \
            self.section_entity is None and \
            len(self.structure) == index and all(rule == "page title"
                                                 for _, _, rule, _ in self.structure)

    def _right_under_heading(self, index: int) -> bool:
        """Whether the line at ``index`` comes right under a heading naming an entity."""
        return self.section_entity is not None and self.last_heading is not None and \
            self.last_heading[0] == index - 1 and self.profile is None and self.stream is None

    def _unlabelled_profile(self, lines: list[Line], index: int) -> int:
        """Open a profile at an address (and a website) opening a page or right under an
        entity's heading: an agency's page scraped without its labels ("Via Cesare Giulio
        Viola 68. … Rome - Italy", then WFP's background). Undated text after it is the
        profile's background, as under a "Background" label; labels and dated headers after
        it are read as ever. Before, the address was the page's title (kept in no record) or
        an activity of its own, and the background activities. Return the index of the line
        after the address."""
        end = index
        while end < min(len(lines), index + ADDRESS_LINES) and (
                _address_like(lines[end].text) or SITE_LINE.fullmatch(lines[end].text)):
            end += 1
        block = ProfileBlock(self.section_entity)
        block.fields["address"] = [Para(line.text, line.number) for line in lines[index:end]]
        block.fields["background"] = []
        self.profiles.append(block)
        self.profile, self.field = block, "background"
        self.block_start = lines[index].number
        self.last_text = (block.fields["address"], lines[end - 1].number)
        return end

    def _opens_section(self, following: str) -> bool:
        """Whether the line after a heading starts what a section holds."""
        return (parse_header(following) is not None or _label(following) is not None
                or (split_label(following)[1] is not None and not split_label(following)[0])
                or self.names.lookup(following) is not None
                or (is_heading_like(following) and names_organization(following)))

    def _awaits_single_value(self, text: str) -> bool:
        """Whether an open one-line field (Title, Icon, an ID) still waits for its value and
        ``text`` reads as one: an ID is one word, a title or type a name, not a sentence. An
        empty "UNAgency ID" took the profile's first paragraph for its value, and the book
        printed it nowhere."""
        return self.profile is not None and self.field in SINGLE_LINE_FIELDS and \
            not self.profile.fields[self.field] and reads_as_value(self.field, text)

    def _start_section(self, line: Line, entity: str, index: int) -> None:
        """A heading naming an entity: what follows is about it."""
        self.page_entity = self.page_entity or entity
        stacked = self.last_heading is not None and self.last_heading[0] == index - 1 and \
            self.section_entity not in (None, entity)
        self.sections.append((line.number, entity, self.section_entity if stacked else None))
        self.section_entity, self.section_start = entity, line.number
        self.profile = self.field = None
        self.stream = self.lead = None
        self.last_heading = (index, line.text)
        self.structure.append((line.number, line.text, "heading naming", entity))

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
        header = Header(header.period, tuple(names), False, header.reversed)
        for name in names:  # learned before any entry is attributed, on any page
            self.names.resolve(name, self.page.name, used[0], "dated entry header")
        self.profile = self.field = None
        self.stream = Stream(header, self.section_entity, tuple(used))
        self.streams.append(self.stream)
        self.last_text = None  # nothing above a header goes on under it
        return index + 1

    def _node_label(self, text: str) -> tuple[str, str] | None:
        """Return (field, value on the line) of a node page's field label: ``Item Path``
        (followed by its path, or glued to it) anywhere, the others only below it, alone on
        their line ("UN Agency Coordination Groups …" and "Abstract: The study …" are
        text)."""
        match = NODE_LABEL.match(text)
        if match is None:
            return None
        field = NODE_LABELS[name_key(match["label"])]
        rest = match["rest"]
        if field == "item_path" and (not rest or rest.startswith(("/", "{"))):
            self.node_page = True
            return field, rest
        return (field, "") if self.node_page and not rest else None

    def _node_field(self, line: Line, label: str) -> None:
        """A node page's field (NODE_FIELDS): its label and value are structure; the Item ID
        above it was the entry's, not a profile's; an abstract's text goes with the entry
        it abridges (where it is merged as a copy)."""
        block = self.profile
        if block is not None and block in self.profiles and \
                set(block.fields) <= {"item_id", "agency_id"} and not block.after_logo:
            self.profiles.remove(block)
            self.structure += [(p.line, p.text, "node page's field value", "")
                               for values in block.fields.values() for p in values]
            texts = {line.number: line.text for line in self.page.lines}
            self.structure += [(n, texts.get(n, ""), "node page's field label", "")
                               for n in block.labels]
        self.structure.append((line.number, line.text, "node page's field label", ""))
        self.profile = self.field = None
        self.node_field = None if label == "abstract" else label
        if label == "abstract":
            self.stream = next((s for s in reversed(self.streams) if s.header is not None),
                               self.stream)

    def _start_field(self, number: int, label: str) -> None:
        """A label: open a profile block if none is open (or the open one already has
        this field: a second entity's block begins), then the field."""
        if self.profile is not None and (self.profile.fields.get(label) or (
                label == "item_id" and any(self.profile.fields.values()))):
            self.profile = None
        if self.profile is None:
            entity, after_logo = self._profile_entity(number)
            self.profile = ProfileBlock(entity, after_logo=after_logo)
            self.profiles.append(self.profile)
            if label != "resources":
                self._adopt_lead(self.profile, label)
            self.stream = self.lead = None
            self.block_start = number
        self.field = label
        self.profile.fields.setdefault(label, [])
        self.profile.labels.append(number)

    def _adopt_lead(self, block: ProfileBlock, label: str) -> None:
        """Give ``block`` the unlabelled text between its section's heading and its first
        label, if the page writes some (a profile shown without its first label): short
        lines before a Background are its address, anything else is its background."""
        lead = self.lead
        if lead is None or lead is not self.stream or not lead.paras:
            return
        paras = lead.paras
        # The address is the lead's first lines, short and not sentences ("7 place
        # Fontenoy, 75352 Paris 07 SP, France"), whatever label follows (the site's facet
        # pages drop Background's and keep Policy framework's).
        street = 0
        while street < min(len(paras), ADDRESS_LINES) and _address_like(paras[street].text):
            street += 1
        if label in ADDRESS_FIELDS:
            street = 0
        if label == "background" and street < len(paras):
            return  # text before a Background label, not an address: entries
        if street:
            block.fields["address"] = list(paras[:street])
        if paras[street:]:
            block.fields["background"] = list(paras[street:])
        self.streams.remove(lead)

    def _profile_entity(self, number: int) -> tuple[str | None, bool]:
        """A block right after an entity's logo (a shared block, such as Spotlight's) is that
        entity's; otherwise the section's. Also say whether a logo decided."""
        floor = max(self.section_start, self.block_start)
        logos = [(n, name) for n, name in self.page.logos if floor <= n < number]
        if logos:
            n, name = logos[-1]
            return self.names.resolve(name, self.page.name, n, "logo"), True
        return self.section_entity, False

    def _add_text(self, line: Line) -> None:
        """Content text: a field value, or a paragraph of the current entry stream."""
        pieces = _split_view_more(line.text)
        if not any(piece for piece, _ in pieces):
            self.structure.append((line.number, line.text, "View More link", ""))
        for piece, marker in pieces:
            if marker:
                self.pending_marker = True
            for n, part in enumerate(glued_parts(piece) if piece else ()):
                # A glued piece that opens with an entity's name is another entity's entry
                # ("…in Kenya.UNICEF launched…" on a search page), not the same one's.
                opens = self.names.lookup(part.split(maxsplit=1)[0].strip(",;:")) is not None
                self._add_piece(Para(part, line.number, self.pending_marker,
                                     glued=n > 0 and not opens))
                self.pending_marker = False

    def _add_piece(self, para: Para) -> None:
        if self.profile is not None and self.field in ID_FIELDS and \
                (self.profile.fields[self.field] or not reads_as_value(self.field, para.text)) \
                and not any(self.profile.fields.get(name) for name in PROFILE_TEXT_FIELDS):
            # A profile opening with its ID fields ("Item ID", "UNAgency ID"), empty or not,
            # then text: the text is its background, as text before a profile's first label
            # is.
            self.field = "background"
            self.profile.fields.setdefault("background", [])
        if self.profile is not None and self.field is not None and self._is_field_text(para):
            self.profile.fields[self.field].append(para)
            self.last_text = (self.profile.fields[self.field], para.line)
            if self.field == "icon":
                self._learn_icon(self.profile, para)
            return
        opens_section = self.profile is None and self.stream is None and \
            self.last_heading is not None and self.section_start > self.block_start
        self.profile = self.field = None
        if self.stream is None:
            self.stream = Stream(None, self.section_entity)
            self.streams.append(self.stream)
            if opens_section and self.section_entity is not None:
                self.lead = self.stream
        self.stream.paras.append(para)
        self.last_text = (self.stream.paras, para.line)

    def _learn_icon(self, block: ProfileBlock, icon: Para) -> None:
        """A profile's Icon (with its Title) names its entity: learn it if nobody knows it,
        and make a heading learned for the same entity one of its names."""
        titles = block.fields.get("title", [])
        title = titles[0].text if titles else None
        entity = self.names.lookup(icon.text) or self.names.learn(
            icon.text, title or icon.text, self.page.name, icon.line, "profile Icon and Title")
        if title:
            self.names.merge(entity, title)

    def _is_field_text(self, para: Para) -> bool:
        """Whether text still belongs to the open field rather than to entries after it."""
        assert self.profile is not None and self.field is not None
        values = self.profile.fields[self.field]
        if self.field in SINGLE_LINE_FIELDS:
            return not values and reads_as_value(self.field, para.text)
        if self.field == "resources":  # a citation, or a title: short, not a sentence
            return bool(CITATION.search(para.text)) or (
                len(para.text) <= RESOURCE_TITLE_CHARS and not para.text.endswith("."))
        if self.field in ADDRESS_FIELDS:
            return len(para.text) <= ADDRESS_LINE_CHARS and len(values) < ADDRESS_LINES
        return True


def _first_line(block: ProfileBlock) -> int:
    """Return the first line of the page a profile block holds."""
    return min([*block.labels, *(p.line for paras in block.fields.values() for p in paras)],
               default=0)


def claimed_lines(layout: Layout) -> set[int]:
    """Return the page lines the layout read: headings, labels, headers and content."""
    lines = {n for n, _, _, _ in layout.structure}
    for block in layout.profiles:
        lines.update(block.labels)
        lines.update(p.line for paras in block.fields.values() for p in paras)
    for stream in layout.streams:
        lines.update(stream.header_lines)
        lines.update(p.line for p in stream.paras)
    return lines


def _leads_elsewhere(lines: list[Line]) -> bool:
    """Whether a line of the page after its first reads as a category leading the entry
    below it (a short title-case line above a paragraph of text)."""
    return any(is_lead_line(line.text) and is_title_case(line.text.rstrip(":"))
               and not is_lead_line(after.text) and parse_header(line.text) is None
               and _label(line.text) is None and not VIEW_MORE.search(line.text)
               for line, after in itertools.pairwise(lines[1:]))


def _spells(acronym: str, name: str) -> bool:
    """Whether ``name`` can be the full name of the acronym-like heading above it."""
    return bool(ACRONYM_HEADING.match(acronym)) and not ACRONYM_HEADING.match(name) and (
        name_key(name)[:1] == name_key(acronym)[:1])


def _split_view_more(text: str) -> list[tuple[str, bool]]:
    """Split a line at "View More" links: [(text, whether a marker preceded it)]."""
    pieces = VIEW_MORE.split(text)
    return [(piece.strip(), i > 0) for i, piece in enumerate(pieces)
            if piece.strip() or i > 0]
