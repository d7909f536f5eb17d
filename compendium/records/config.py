"""The edition's declared configuration: titles, chapters and their selection rules."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from compendium.checked import refused
from compendium.errors import InvalidInput
from compendium.model import Entity, Problem
from compendium.records.limits import text_problem
from compendium.records.sources import read_text
from compendium.records.spelling import did_you_mean
from compendium.records.yamldoc import YamlMapping, load_mapping

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PAPER_SIZES = ("A4", "letter")


@dataclass(frozen=True, slots=True)
class Rule:
    """Which records a chapter takes: any listed entity, theme or id, minus excluded themes."""

    entities: tuple[str, ...] = ()
    """Lead entities whose records the chapter takes."""
    themes: tuple[str, ...] = ()
    """Theme tags whose records the chapter takes."""
    ids: tuple[str, ...] = ()
    """Record ids the chapter takes."""
    except_themes: tuple[str, ...] = ()
    """Theme tags that keep a record out even when it matches."""


@dataclass(frozen=True, slots=True)
class ChapterSpec:
    """One chapter as the config declares it."""

    slug: str
    """Stable name used in file names and anchors."""
    title: str
    """Heading of the chapter."""
    intro: str = ""
    """Markdown introduction."""
    rule: Rule = field(default_factory=Rule)
    """Records the chapter selects."""
    catch_all: bool = False
    """Whether the chapter takes every record no other chapter took."""


@dataclass(frozen=True, slots=True)
class Labels:
    """Words the templates print, editable without touching code."""

    contents: str = "Contents"
    """Heading of the table of contents."""
    introduction: str = "Introduction"
    """Heading of the introduction."""
    undated: str = "Recent reporting rounds (undated)"
    """Heading of the group of activities without a period."""
    round: str = "Reporting round {year}"
    """Heading of the group of undated activities of a known reporting round."""
    draft_record: str = "Unfinished draft"
    """Mark beside the heading of a record marked `draft: true` (drafts only)."""
    written_sources: str = "Records written from other sources"
    """Heading of the annex's list of records written by hand (e-mails, reports, ...)."""
    see_also: str = "Also in other chapters"
    """Heading of a chapter's cross-references."""
    page: str = "p."
    """Word before a page number in a cross-reference."""
    partners: str = "with"
    """Word between the lead entity and its partners."""
    reporting_round: str = "Reporting round"
    """Words before the year of an undated group's reporting round."""
    profile: str = "Profile"
    """Heading of an entity's profile in the chapter titled with the entity's name."""
    foreword: str = "Foreword"
    """Heading of the foreword."""
    acknowledgements: str = "Acknowledgements"
    """Heading of the acknowledgements."""
    methodology: str = "Methodology"
    """Heading of the methodology."""


UN_DISCLAIMER = (
    "The designations employed and the presentation of material in this publication do not "
    "imply the expression of any opinion whatsoever on the part of the Secretariat of the "
    "United Nations concerning the legal status of any country, territory, city or area or "
    "of its authorities, or concerning the delimitation of its frontiers or boundaries.")
"""The notice every United Nations publication prints on its imprint page."""


@dataclass(frozen=True, slots=True)
class Imprint:
    """What the imprint page (the back of the title page) states; empty fields are left out."""

    copyright: str = ""
    """The copyright line, e.g. "© 2026 United Nations"."""
    isbn: str = ""
    """ISBN of the print edition."""
    eisbn: str = ""
    """ISBN of the electronic edition."""
    sales_number: str = ""
    """United Nations sales number, e.g. "E.26.IV.3"."""
    symbol: str = ""
    """Document symbol, e.g. "ST/ESA/123"."""
    disclaimer: str = UN_DISCLAIMER
    """The notice on designations employed."""
    citation: str = ""
    """How to cite the publication; made from the title, publisher and year when empty."""
    notes: str = ""
    """Further notices (Markdown), e.g. on rights and permissions."""
    back_cover: str = ""
    """Text of the back cover (Markdown), e.g. what the compendium is for."""


FRONT_MATTER = ("foreword", "acknowledgements", "methodology", "introduction")
"""The texts `front_matter:` may name, in the order the book prints them (the introduction
after the acronyms)."""


@dataclass(frozen=True, slots=True)
class Edition:
    """Everything the config declares about one edition of the compendium."""

    path: Path
    """The config file."""
    title: str
    """Title on the cover."""
    edition: int
    """Edition year."""
    publisher: str
    """Publisher line on the cover."""
    chapters: tuple[ChapterSpec, ...]
    """Chapters in reading order."""
    entities: tuple[Entity, ...]
    """Entities records may name."""
    subtitle: str = ""
    """Subtitle on the cover."""
    language: str = "en"
    """BCP 47 language of the text."""
    introduction: str = ""
    """Markdown introduction before the first chapter."""
    paper: str = "A4"
    """Page size of the PDF: A4 or letter."""
    labels: Labels = field(default_factory=Labels)
    """Words the templates print."""
    glossary: tuple[tuple[str, str], ...] = ()
    """Acronyms the editor expands, for those the text does not define."""
    review_url: str = ""
    """Where the HTML draft is posted for reviewers; Copy link then gives a full URL."""
    imprint: Imprint = field(default_factory=Imprint)
    """What the imprint page states."""
    front_matter: tuple[tuple[str, str], ...] = ()
    """(name, Markdown text) of the foreword, acknowledgements and methodology given, in the
    book's order (the introduction is ``introduction``)."""

    @property
    def citation(self) -> str:
        """Return how to cite the publication: the imprint's, else one made from the config."""
        if self.imprint.citation:
            return self.imprint.citation
        title = self.title + (f": {self.subtitle}" if self.subtitle else "")
        return f"{self.publisher} ({self.edition}). {title}. {self.edition} edition."

    def chapter_slugs(self) -> tuple[str, ...]:
        """Return the slugs of the declared chapters."""
        return tuple(c.slug for c in self.chapters)

    def entity_acronyms(self) -> tuple[str, ...]:
        """Return the acronyms of the known entities."""
        return tuple(e.acronym for e in self.entities)


EDITION_FIELDS: dict[str, tuple[type, bool]] = {
    "title": (str, True), "subtitle": (str, False), "edition": (int, True),
    "publisher": (str, True), "language": (str, False), "introduction": (str, False),
    "paper": (str, False), "entities": (str, False), "labels": (dict, False),
    "glossary": (str, False), "review_url": (str, False), "imprint": (dict, False),
    "front_matter": (dict, False),
    "chapters": (list, True),
}
IMPRINT_FIELDS: dict[str, tuple[type, bool]] = {
    name: (str, False) for name in Imprint.__dataclass_fields__}
CHAPTER_FIELDS: dict[str, tuple[type, bool]] = {
    "slug": (str, True), "title": (str, True), "intro": (str, False),
    "select": (dict, False), "catch_all": (bool, False),
}
RULE_FIELDS = ("entities", "themes", "ids", "except_themes")


def load_edition(path: Path) -> Edition:
    """Read and validate the edition config; raise InvalidInput listing every problem."""
    problems: list[Problem] = []
    doc = _read_mapping(path, problems)
    registry = path.parent / str(doc.values.get("entities", "entities.yml"))
    entities = _load_entities(registry, problems)
    glossary = _load_glossary(path.parent / str(doc.values["glossary"]), problems) \
        if isinstance(doc.values.get("glossary"), str) else ()
    edition = _build_edition(path, doc, entities, problems)
    if edition is not None:
        edition = replace(edition, glossary=glossary)
    if problems or edition is None:
        raise InvalidInput(problems)
    return edition


def _read_mapping(path: Path, problems: list[Problem]) -> YamlMapping:
    """Read the config file, recording a problem instead of raising."""
    unreadable = len(problems)
    doc = _load_yaml_file(path, "config file", problems)
    if len(problems) > unreadable:
        return doc
    problems.extend(check_fields(str(path), doc.values, EDITION_FIELDS, "-",
                                 lambda key: doc.line_of(key)))
    return doc


def _load_yaml_file(path: Path, what: str, problems: list[Problem]) -> YamlMapping:
    """Parse a YAML file, recording why it cannot be read (an empty mapping then)."""
    if not path.exists():
        problems.append(Problem(str(path), 0, "-", "-", f"{what} not found"))
        return YamlMapping({}, {}, {})
    text = read_text(path)
    doc = load_mapping(text.value, path) if text.value is not None else refused(*text.problems)
    problems.extend(doc.problems)
    return YamlMapping({}, {}, {}) if doc.value is None else doc.value


def check_fields(path: str, values: Mapping[str, Any], spec: Mapping[str, tuple[type, bool]],
                 owner: str, line_of: Callable[[str], int]) -> list[Problem]:
    """Return the problems of a mapping against a field table: unknown, missing, mistyped."""
    problems = []
    for key, value in values.items():
        if key not in spec:
            hint = did_you_mean(key, spec)
            problems.append(Problem(path, line_of(key), owner, key, f"unknown field{hint}"))
        elif not _is_type(value, spec[key][0]):
            problems.append(Problem(path, line_of(key), owner, key,
                                    f"{_describe(value)}; expected {_EXPECTED[spec[key][0]]}"))
    for key, (_, required) in spec.items():
        if required and key not in values:
            problems.append(Problem(path, line_of(""), owner, key, "missing; expected a value"))
    return problems


_EXPECTED: dict[type, str] = {
    str: "text", int: "a whole number", bool: "true or false", list: "a list such as [A, B]",
    dict: "a mapping of `key: value` lines"}
"""How an editor would say each type a field may need."""
_IS: tuple[tuple[type, str], ...] = (
    (bool, "true/false"), (int, "a number"), (float, "a number"), (str, "text"),
    (list, "a list"), (dict, "a mapping"), (datetime.date, "a date"))
"""How an editor would say what a YAML value turned out to be (bool before int)."""


def _describe(value: object) -> str:
    """Say what an ill-typed value is, quoting it, e.g. "`two` is text"."""
    if value is None:
        return "empty"
    kind = next((name for t, name in _IS if isinstance(value, t)), type(value).__name__)
    shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
    return f"`{shown}` is {kind}"


def _is_type(value: object, expected: type) -> bool:
    """Return whether ``value`` is of ``expected``, not counting booleans as integers."""
    if isinstance(value, bool):
        return expected is bool
    return isinstance(value, expected)


def _build_edition(path: Path, doc: YamlMapping, entities: tuple[Entity, ...],
                   problems: list[Problem]) -> Edition | None:
    """Turn a checked mapping into an Edition, adding the problems of its chapters."""
    m = doc.values
    chapters = _build_chapters(path, doc, tuple(e.acronym for e in entities), problems)
    paper = m.get("paper", "A4")
    # `paper: a4` or `Letter` mean A4 and letter: the case is the editor's, not a new size.
    paper = next((size for size in PAPER_SIZES if str(paper).casefold() == size.casefold()),
                 paper)
    if paper not in PAPER_SIZES:
        problems.append(Problem(str(path), doc.line_of("paper"), "-", "paper",
                                f"`{paper}` is not a paper size; expected A4 or letter"))
    review_url = m.get("review_url", "")
    if review_url and not str(review_url).startswith(("https://", "http://")):
        problems.append(Problem(str(path), doc.line_of("review_url"), "-", "review_url",
                                f"`{review_url}` is not a web address; expected the https:// "
                                "address where the HTML draft is posted"))
    labels = _build_labels(path, doc, problems)
    imprint = _build_imprint(path, doc, problems)
    texts = dict(_read_front_matter(path, doc, problems))
    if "introduction" in texts and "introduction" in m:
        problems.append(Problem(str(path), doc.line_of("introduction"), "-", "introduction",
                                "given twice, here and in front_matter; expected one"))
    problems.extend(_markdown_problems(path, doc))
    if problems:
        return None
    return Edition(path=path, title=m["title"], edition=m["edition"], publisher=m["publisher"],
                   chapters=chapters, entities=entities, subtitle=m.get("subtitle", ""),
                   language=m.get("language", "en"),
                   introduction=texts.pop("introduction", m.get("introduction", "")),
                   paper=paper, labels=labels, imprint=imprint,
                   front_matter=tuple(texts.items()), review_url=m.get("review_url", ""))


def _build_imprint(path: Path, doc: YamlMapping, problems: list[Problem]) -> Imprint:
    """Return the imprint, defaults overridden by the config."""
    raw = doc.values.get("imprint")
    if not isinstance(raw, dict):
        return Imprint()
    problems.extend(check_fields(str(path), raw, IMPRINT_FIELDS, "imprint",
                                 lambda key: doc.line_of("imprint", key)))
    return Imprint(**{k: " ".join(v.split()) if k not in ("notes", "back_cover") else v
                      for k, v in raw.items()
                      if k in IMPRINT_FIELDS and isinstance(v, str)})


def _read_front_matter(path: Path, doc: YamlMapping,
                       problems: list[Problem]) -> list[tuple[str, str]]:
    """Return (name, Markdown text) of each front-matter file the config names, in the
    book's order, recording a problem for an unknown name or an unreadable file."""
    raw = doc.values.get("front_matter")
    if not isinstance(raw, dict):
        return []
    spec = {name: (str, False) for name in FRONT_MATTER}
    problems.extend(check_fields(str(path), raw, spec, "front_matter",
                                 lambda key: doc.line_of("front_matter", key)))
    texts = []
    for name in FRONT_MATTER:
        file = raw.get(name)
        if not isinstance(file, str):
            continue
        target = path.parent / file
        text = read_text(target) if target.is_file() else refused(Problem(
            str(path), doc.line_of("front_matter", name), "front_matter", name,
            f"file `{file}` not found; expected a Markdown file, relative to {path.name}"))
        problems.extend(text.problems)
        if text.value is not None:
            texts.append((name, text.value))
    return texts


def _markdown_problems(path: Path, doc: YamlMapping) -> list[Problem]:
    """Return a problem for the introduction or a chapter's intro past what the layout
    takes in linear time (see limits)."""
    chapters = doc.values.get("chapters")
    texts: list[tuple[tuple[str | int, ...], object]] = [
        (("introduction",), doc.values.get("introduction"))]
    if isinstance(chapters, list):
        texts += [(("chapters", i, "intro"), c.get("intro")) for i, c in enumerate(chapters)
                  if isinstance(c, dict)]
    found = []
    for where, text in texts:
        if not isinstance(text, str):
            continue  # told by the field's type check
        problem = text_problem(text)
        if problem is not None:  # a block (`|`) starts on the line after its key
            line = doc.line_of(*where) + problem[0] + ("\n" in text)
            found.append(Problem(str(path), line, "-", ".".join(map(str, where)), problem[1]))
    return found


def _build_labels(path: Path, doc: YamlMapping, problems: list[Problem]) -> Labels:
    """Return the labels, defaults overridden by the config."""
    raw = doc.values.get("labels")
    if not isinstance(raw, dict):
        return Labels()
    known = Labels.__dataclass_fields__
    spec = {k: (str, False) for k in known}
    problems.extend(check_fields(str(path), raw, spec, "labels",
                                 lambda key: doc.line_of("labels", key)))
    return Labels(**{k: v for k, v in raw.items() if k in known and isinstance(v, str)})


def _build_chapters(path: Path, doc: YamlMapping, known: Sequence[str],
                    problems: list[Problem]) -> tuple[ChapterSpec, ...]:
    """Return the chapter specs, recording a problem for each bad one."""
    raw = doc.values.get("chapters")
    if not isinstance(raw, list) or not raw:
        if isinstance(raw, list):
            problems.append(Problem(str(path), doc.line_of("chapters"), "-", "chapters",
                                    "empty; expected at least one chapter"))
        return ()
    specs = [_build_chapter(path, doc, i, known, problems) for i in range(len(raw))]
    chapters = tuple(s for s in specs if s is not None)
    _check_chapter_set(path, doc, chapters, problems)
    return chapters


def _build_chapter(path: Path, doc: YamlMapping, index: int, known: Sequence[str],
                   problems: list[Problem]) -> ChapterSpec | None:
    """Return one chapter spec, or None after recording its problems."""
    item = doc.values["chapters"][index]
    if not isinstance(item, dict):
        problems.append(Problem(str(path), doc.line_of("chapters", index), "-", "chapters",
                                "each chapter must be a mapping with slug and title"))
        return None
    owner = f"chapter {item.get('slug', index + 1)}"
    found = check_fields(str(path), item, CHAPTER_FIELDS, owner,
                         lambda key: doc.line_of("chapters", index, key))
    select = item.get("select", {})
    if isinstance(select, dict):
        found += _check_rule(path, doc, index, select, owner, known)
    slug = item.get("slug")
    if isinstance(slug, str) and not SLUG.match(slug):
        found.append(Problem(str(path), doc.line_of("chapters", index, "slug"), owner, "slug",
                             f"`{slug}` is not a slug; expected lowercase words and hyphens"))
    problems.extend(found)
    if found:
        return None
    rule = Rule(**{k: tuple(str(v) for v in select.get(k, ())) for k in RULE_FIELDS})
    return ChapterSpec(slug=item["slug"], title=item["title"], intro=item.get("intro", ""),
                       rule=rule, catch_all=item.get("catch_all", False))


def _check_rule(path: Path, doc: YamlMapping, index: int, select: dict[str, Any],
                owner: str, known: Sequence[str]) -> list[Problem]:
    """Return the problems of a chapter's `select` rule; ``known`` are the registry's acronyms."""
    problems = []
    for key, value in select.items():
        line = doc.line_of("chapters", index, "select", key)
        if key not in RULE_FIELDS:
            hint = did_you_mean(key, RULE_FIELDS)
            problems.append(Problem(str(path), line, owner, f"select.{key}",
                                    f"unknown rule{hint}"))
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(str(path), line, owner, f"select.{key}",
                                    "expected a list of names"))
        elif key == "entities" and known:
            problems += [Problem(str(path), line, owner, "select.entities",
                                 f"unknown entity `{name}`{did_you_mean(name, known)}; "
                                 "expected an acronym from the entity registry")
                         for name in value if name not in known]
    return problems


def _check_chapter_set(path: Path, doc: YamlMapping, chapters: tuple[ChapterSpec, ...],
                       problems: list[Problem]) -> None:
    """Record duplicate slugs and misplaced catch-all chapters."""
    seen: set[str] = set()
    for index, chapter in enumerate(chapters):
        if chapter.slug in seen:
            problems.append(Problem(str(path), doc.line_of("chapters", index, "slug"),
                                    f"chapter {chapter.slug}", "slug",
                                    "used by two chapters; expected unique slugs"))
        seen.add(chapter.slug)
    catch_alls = [c for c in chapters if c.catch_all]
    if len(catch_alls) > 1 or (catch_alls and chapters[-1] is not catch_alls[0]):
        problems.append(Problem(str(path), doc.line_of("chapters"), "-", "catch_all",
                                "expected at most one catch-all chapter, the last one"))


def _load_glossary(path: Path, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """Read the glossary: acronym → full name, one per line."""
    raw = _load_yaml_file(path, "glossary", problems)
    entries = []
    for acronym, name in raw.values.items():
        if not isinstance(name, str):
            problems.append(Problem(str(path), raw.line_of(acronym), acronym, acronym,
                                    f"{_describe(name)}; expected the full name as text"))
            continue
        entries.append((acronym, name))
    return tuple(sorted(entries))


ENTITY_FIELDS: dict[str, tuple[type, bool]] = {
    "name": (str, True), "aliases": (list, False), "former_names": (list, False),
    "fr": (list, False), "es": (list, False), "added_by": (str, False), "note": (str, False),
}
"""Fields of an entity in the registry; a name list may also be written as one name."""
NAME_LISTS = ("aliases", "former_names", "fr", "es")
"""Fields listing other names the pages use for the entity."""


def _line_of(doc: YamlMapping, owner: str, key: str) -> int:
    """Return the line of ``owner``'s field ``key`` in ``doc``."""
    return doc.line_of(owner, key)


def _load_entities(path: Path, problems: list[Problem]) -> tuple[Entity, ...]:
    """Read the entity registry: acronyms mapped to a name and the other names pages use
    (aliases, former names, French and Spanish names), each name owned by one entity."""
    raw = _load_yaml_file(path, "entity registry", problems)
    entities = []
    owners: dict[str, str] = {}
    for acronym, value in raw.values.items():
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            problems.append(Problem(str(path), raw.line_of(acronym), acronym, "name",
                                    "missing; expected `name: Full Name`"))
            continue
        value = {k: [v] if k in NAME_LISTS and isinstance(v, str) else v
                 for k, v in value.items()}
        # A faulty field is reported, and the entity still known by its good names: the
        # chapters and records naming it are not refused for it as well.
        found = check_fields(str(path), value, ENTITY_FIELDS, str(acronym),
                             partial(_line_of, raw, str(acronym)))
        found += [p for p in _name_problems(path, raw, str(acronym), value)
                  if p.field not in {f.field for f in found}]
        problems.extend(found)
        faulty = {p.field for p in found}
        names = [n for key in NAME_LISTS if key not in faulty for n in value.get(key, [])]
        for name in (str(acronym), value["name"], *names):
            owner = owners.setdefault(name.casefold(), str(acronym))
            if owner != acronym:
                problems.append(Problem(str(path), raw.line_of(acronym), str(acronym), "name",
                                        f"`{name}` also names {owner}; expected each name "
                                        "to belong to one entity"))
        aliases = tuple(dict.fromkeys(n for n in names if n not in (acronym, value["name"])))
        entities.append(Entity(str(acronym), value["name"], aliases))
    return tuple(entities)


def _name_problems(path: Path, raw: YamlMapping, acronym: str,
                   value: dict[str, Any]) -> list[Problem]:
    """Return a problem for each list of names (aliases, former names, French and Spanish
    forms) that is not a list of text."""
    found = []
    for key in NAME_LISTS:
        names = value.get(key, [])
        odd = [names] if not isinstance(names, list) else \
            [n for n in names if not isinstance(n, str)][:1]
        if odd:
            found.append(Problem(str(path), raw.line_of(acronym, key), acronym, key,
                                 f"{_describe(odd[0])}; expected a list of names such as "
                                 "[EU-UN Spotlight Initiative, Spotlight]"))
    return found
