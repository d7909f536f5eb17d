"""The edition's declared configuration: titles, chapters and their selection rules."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from compendium.checked import Checked, beyond, gather, refused
from compendium.errors import InvalidInput
from compendium.model import Entity, Problem
from compendium.records.limits import character_problem, has_words, text_problem
from compendium.records.sources import read_text
from compendium.records.spelling import did_you_mean
from compendium.records.yamldoc import YamlMapping, load_mapping

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
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
    registry: Path = Path("entities.yml")
    """The entity registry the config names (``entities:``), beside the config."""

    @property
    def citation(self) -> str:
        """Return how to cite the publication: the imprint's, else one made from the config."""
        if self.imprint.citation:
            return self.imprint.citation
        return f"{self.publisher} ({self.edition}). {self.cited_title}. {self.edition} edition."

    @property
    def cited_title(self) -> str:
        """Return the title as a citation gives it (set in italics where it stands)."""
        return self.title + (f": {self.subtitle}" if self.subtitle else "")

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


def load_edition(path: Path, project: Path | None = None) -> Edition:
    """Read and validate the edition config; raise InvalidInput listing every problem.
    Files it names must lie in its folder, or in ``project`` (an earlier config, read from
    a temporary folder whose entries point into the project)."""
    doc = _read_mapping(path)
    root = project or path.parent
    values = doc.value.values
    registry = path.parent / str(values.get("entities") or "entities.yml")
    outside = tuple(_outside_problem(path, doc.value, (key,), str(values[key]))
                    for key in ("entities", "glossary") if isinstance(values.get(key), str)
                    and _in_project(path, str(values[key]), root) is None)
    # The front matter's files are checked whatever the registry's path: a bad one was told
    # only in the run after the registry's path was put right (an attack).
    if outside:  # nothing read from them: the config may name any file of the machine
        raise InvalidInput(doc.problems + outside + _front_matter_problems(path, doc, root))
    not_files = tuple(Problem(str(path), doc.value.line_of(key), key, key,
                              f"`{values[key]}` is not a file; expected a YAML file, relative "
                              f"to {path.name}")
                      for key in ("entities", "glossary") if isinstance(values.get(key), str)
                      and (not values[key].strip() or (path.parent / values[key]).is_dir()))
    if not_files:  # a folder named here was told as "front: not a regular file"
        raise InvalidInput(doc.problems + not_files + _front_matter_problems(path, doc, root))
    entities = _load_entities(registry)
    glossary = _load_glossary(path.parent / str(values["glossary"])) \
        if isinstance(values.get("glossary"), str) else Checked(())
    edition = _build_edition(path, doc, entities.value, root)
    problems = doc.problems + entities.problems + glossary.problems + \
        beyond(doc.problems, edition.problems)
    if problems or edition.value is None:
        raise InvalidInput(problems)
    return replace(edition.value, glossary=glossary.value, registry=registry)


def _read_mapping(path: Path) -> Checked[YamlMapping]:
    """Read the config file and check its fields (not those of a file that could not be
    read, nor a field whose value YAML could not read: that is said)."""
    doc = _load_yaml_file(path, "config file")
    if not doc.value.values:
        return doc
    return Checked(doc.value, doc.problems + beyond(doc.problems, check_fields(
        str(path), doc.value.values, EDITION_FIELDS, "-", doc.value.line_of)))


def _load_yaml_file(path: Path, what: str) -> Checked[YamlMapping]:
    """Parse a YAML file (an empty mapping, with the problem, when it cannot be read)."""
    text = read_text(path) if path.exists() else \
        refused(Problem(str(path), 0, "-", "-", f"{what} not found"))
    doc = load_mapping(text.value, path) if text.value is not None else refused(*text.problems)
    return Checked(YamlMapping({}, {}, {}) if doc.value is None else doc.value, doc.problems)


def check_fields(path: str, values: Mapping[str, Any], spec: Mapping[str, tuple[type, bool]],
                 owner: str, line_of: Callable[[str], int]) -> tuple[Problem, ...]:
    """Return the problems of a mapping against a field table: unknown, missing, mistyped."""
    problems = []
    for key, value in values.items():
        if key not in spec:
            hint = did_you_mean(key, spec)
            problems.append(Problem(path, line_of(key), owner, key, f"unknown field{hint}"))
        elif not _is_type(value, spec[key][0]):
            problems.append(Problem(path, line_of(key), owner, key,
                                    f"{_describe(value)}; expected {_EXPECTED[spec[key][0]]}"))
        elif spec[key][1] and isinstance(value, str) and not has_words(value):
            # A blank title printed a blank cover, a contents line "1." and a citation ". :"
            problems.append(Problem(path, line_of(key), owner, key, "empty; expected "
                                    f"{_EXPECTED[spec[key][0]]} with words in it"))
    for key, (_, required) in spec.items():
        if required and key not in values:
            problems.append(Problem(path, line_of(""), owner, key, "missing; expected a value"))
    return tuple(problems)


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
    if value is None or (isinstance(value, str) and not has_words(value)):
        return "empty"
    kind = next((name for t, name in _IS if isinstance(value, t)), type(value).__name__)
    shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
    return f"`{shown}` is {kind}"


def _is_type(value: object, expected: type) -> bool:
    """Return whether ``value`` is of ``expected``, not counting booleans as integers."""
    if isinstance(value, bool):
        return expected is bool
    return isinstance(value, expected)


def _build_edition(path: Path, doc: Checked[YamlMapping], entities: tuple[Entity, ...],
                   root: Path) -> Checked[Edition | None]:
    """Turn the config's mapping into an Edition (None when it or the mapping has a problem),
    with the problems of its chapters and other values."""
    config, m = doc.value, doc.value.values
    chapters = _build_chapters(path, config, tuple(e.acronym for e in entities))
    paper = _paper(path, config)
    labels = _build_labels(path, config)
    imprint = _build_imprint(path, config)
    texts = _read_front_matter(path, config, root)
    problems = (chapters.problems + paper.problems + _review_url_problems(path, config)
                + _language_problems(path, config)
                + labels.problems + imprint.problems + texts.problems
                + _markdown_problems(path, config) + character_problems(path, config))
    if doc.problems or problems:
        return refused(*problems)
    front = dict(texts.value)
    return Checked(Edition(
        path=path, title=m["title"], edition=m["edition"], publisher=m["publisher"],
        chapters=chapters.value, entities=entities, subtitle=m.get("subtitle", ""),
        language=m.get("language", "en"),
        introduction=front.pop("introduction", m.get("introduction", "")),
        paper=paper.value, labels=labels.value, imprint=imprint.value,
        front_matter=tuple(front.items()), review_url=m.get("review_url", "")))


def _paper(path: Path, doc: YamlMapping) -> Checked[str]:
    """Return the paper size the config names (A4 when it names none, or, with a problem,
    one that is not a paper size)."""
    paper = doc.values.get("paper", "A4")
    # `paper: a4` or `Letter` mean A4 and letter: the case is the editor's, not a new size.
    size = next((size for size in PAPER_SIZES if str(paper).casefold() == size.casefold()),
                None)
    if size is None:
        return Checked("A4", (Problem(str(path), doc.line_of("paper"), "-", "paper",
                                      f"`{paper}` is not a paper size; expected A4 or letter"),))
    return Checked(size)


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
"""A BCP 47 language tag as the HTML's lang and the PDF's /Lang carry it ("en", "fr-CA")."""


def _language_problems(path: Path, doc: YamlMapping) -> tuple[Problem, ...]:
    """Return a problem when the language is not a BCP 47 tag."""
    language = doc.values.get("language", "en")
    if isinstance(language, str) and not LANGUAGE_TAG.fullmatch(language):
        return (Problem(str(path), doc.line_of("language"), "-", "language",
                        f"`{language[:40]}` is not a language tag; expected one such as en, "
                        "fr or es-419"),)
    return ()


def _review_url_problems(path: Path, doc: YamlMapping) -> tuple[Problem, ...]:
    """Return a problem when the review address is not a web address."""
    review_url = doc.values.get("review_url", "")
    if review_url and not str(review_url).startswith(("https://", "http://")):
        return (Problem(str(path), doc.line_of("review_url"), "-", "review_url",
                        f"`{review_url}` is not a web address; expected the https:// address "
                        "where the HTML draft is posted"),)
    return ()


def _build_imprint(path: Path, doc: YamlMapping) -> Checked[Imprint]:
    """Return the imprint, defaults overridden by the config."""
    raw = doc.values.get("imprint")
    if not isinstance(raw, dict):
        return Checked(Imprint())
    problems = check_fields(str(path), raw, IMPRINT_FIELDS, "imprint",
                            lambda key: doc.line_of("imprint", key))
    return Checked(Imprint(**{k: " ".join(v.split()) if k not in ("notes", "back_cover") else v
                              for k, v in raw.items()
                              if k in IMPRINT_FIELDS and isinstance(v, str)}), problems)


def _front_matter_problems(path: Path, doc: Checked[YamlMapping],
                           root: Path) -> tuple[Problem, ...]:
    """Return the problems of the front matter's texts not already among ``doc``'s."""
    return beyond(doc.problems, _read_front_matter(path, doc.value, root).problems)


def _read_front_matter(path: Path, doc: YamlMapping,
                       root: Path) -> Checked[tuple[tuple[str, str], ...]]:
    """Return (name, Markdown text) of each front-matter file the config names, in the
    book's order, with a problem for an unknown name, an unreadable file or an introduction
    given here and as text."""
    raw = doc.values.get("front_matter")
    if not isinstance(raw, dict):
        return Checked(())
    spec = {name: (str, False) for name in FRONT_MATTER}
    fields = check_fields(str(path), raw, spec, "front_matter",
                          lambda key: doc.line_of("front_matter", key))
    texts = gather(_front_text(path, doc, name, raw.get(name), root) for name in FRONT_MATTER)
    twice = (Problem(str(path), doc.line_of("introduction"), "-", "introduction",
                     "given twice, here and in front_matter; expected one"),) \
        if "introduction" in dict(texts.value) and "introduction" in doc.values else ()
    return Checked(texts.value, fields + texts.problems + twice)


def _front_text(path: Path, doc: YamlMapping, name: str, file: object,
                root: Path) -> Checked[tuple[str, str] | None]:
    """Return (name, text) of the front-matter ``file`` the config names for ``name``."""
    if not isinstance(file, str):
        return Checked(None)
    target = _in_project(path, file, root)
    if target is None:
        return refused(_outside_problem(path, doc, ("front_matter", name), file))
    line = doc.line_of("front_matter", name)
    # The project's own folders hold what must not be printed: .git/config holds a remote's
    # address, perhaps with its token.
    hidden = any(part.startswith(".") for part in Path(file).parts if part not in (".", ".."))
    if hidden or target.suffix != ".md":
        return refused(Problem(str(path), line, "front_matter", name,
                               f"`{file}` is not a Markdown file of the project; expected a "
                               "`.md` file outside hidden folders, such as front/methodology.md"))
    if not target.is_file():
        return refused(Problem(
            str(path), line, "front_matter", name,
            f"file `{file}` not found; expected a Markdown file, relative to {path.name}"))
    text = read_text(target)
    if text.value is None:
        return refused(*text.problems)
    too_much = text_problem(text.value)  # printed like the introduction: the same bounds
    if too_much is not None:
        return refused(Problem(str(path.parent / file), too_much[0] + 1, "-", "-", too_much[1]))
    for number, written in enumerate(text.value.split("\n"), start=1):
        if strange := character_problem(written + html.unescape(written)):
            return refused(Problem(str(path.parent / file), number, "-", "-", strange))
    return Checked((name, text.value))


def character_problems(path: Path, doc: YamlMapping) -> tuple[Problem, ...]:
    """Return a problem for each key or text of a YAML file holding a character no text may
    (limits.character_problem: an override written as an escape reversed the HTML's
    subtitle), at its line."""
    found = []
    for where, text in texts_below(doc.values):
        if strange := character_problem(text + html.unescape(text)):
            found.append(Problem(str(path), doc.line_of(*where), "-",
                                 ".".join(map(str, where)), strange))
    return tuple(found)


def texts_below(value: object, where: tuple[str | int, ...] = ()
                ) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (path of keys, text) of every key and text below a YAML value."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in
                [((*where, str(key)), str(key)), *texts_below(item, (*where, str(key)))]]
    if isinstance(value, list):
        return [found for n, item in enumerate(value) for found in texts_below(item, (*where, n))]
    return []


def _in_project(config: Path, file: str, root: Path) -> Path | None:
    """Return the file the config names as ``file`` (relative to the config's folder), or
    None if it lies outside that folder and ``root`` (symbolic links followed): the config
    is as untrusted as the records, and what it names is printed in both editions."""
    target = (config.parent / file).resolve()
    inside = target.is_relative_to(config.parent.resolve()) or \
        target.is_relative_to(root.resolve())
    return target if inside else None


def _outside_problem(config: Path, doc: YamlMapping, where: tuple[str, ...],
                     file: str) -> Problem:
    """Return the problem of a config field naming ``file`` outside the project."""
    return Problem(str(config), doc.line_of(*where), where[0], where[-1],
                   f"file `{file}` is outside the project; expected a path inside "
                   f"{config.parent.resolve().name}/, relative to {config.name}")


def _markdown_problems(path: Path, doc: YamlMapping) -> tuple[Problem, ...]:
    """Return a problem for the introduction, a chapter's intro or the imprint's notes and
    back cover past what the layout takes in linear time (see limits)."""
    chapters = doc.values.get("chapters")
    texts: list[tuple[tuple[str | int, ...], object]] = [
        (("introduction",), doc.values.get("introduction"))]
    if isinstance(chapters, list):
        texts += [(("chapters", i, "intro"), c.get("intro")) for i, c in enumerate(chapters)
                  if isinstance(c, dict)]
    imprint = doc.values.get("imprint")
    if isinstance(imprint, dict):
        texts += [(("imprint", key), imprint.get(key)) for key in ("notes", "back_cover")]
    found = []
    for where, text in texts:
        if not isinstance(text, str):
            continue  # told by the field's type check
        problem = text_problem(text)
        if problem is not None:  # a block (`|`) starts on the line after its key
            line = doc.line_of(*where) + problem[0] + ("\n" in text)
            found.append(Problem(str(path), line, "-", ".".join(map(str, where)), problem[1]))
    return tuple(found)


def _build_labels(path: Path, doc: YamlMapping) -> Checked[Labels]:
    """Return the labels, defaults overridden by the config."""
    raw = doc.values.get("labels")
    if not isinstance(raw, dict):
        return Checked(Labels())
    known = Labels.__dataclass_fields__
    spec = {k: (str, False) for k in known}
    problems = check_fields(str(path), raw, spec, "labels",
                            lambda key: doc.line_of("labels", key))
    return Checked(Labels(**{k: v for k, v in raw.items()
                             if k in known and isinstance(v, str)}), problems)


def _build_chapters(path: Path, doc: YamlMapping,
                    known: Sequence[str]) -> Checked[tuple[ChapterSpec, ...]]:
    """Return the chapter specs, with a problem for each bad one."""
    raw = doc.values.get("chapters")
    if not isinstance(raw, list):
        return Checked(())  # told by the field's type check
    if not raw:
        return Checked((), (Problem(str(path), doc.line_of("chapters"), "-", "chapters",
                                    "empty; expected at least one chapter"),))
    specs = gather(_build_chapter(path, doc, i, known) for i in range(len(raw)))
    return Checked(specs.value, specs.problems + _check_chapter_set(path, doc, specs.value))


def _build_chapter(path: Path, doc: YamlMapping, index: int,
                   known: Sequence[str]) -> Checked[ChapterSpec | None]:
    """Return one chapter spec (None when it has a problem)."""
    item = doc.values["chapters"][index]
    if not isinstance(item, dict):
        return refused(Problem(str(path), doc.line_of("chapters", index), "-", "chapters",
                               "each chapter must be a mapping with slug and title"))
    owner = f"chapter {item.get('slug', index + 1)}"
    found = check_fields(str(path), item, CHAPTER_FIELDS, owner,
                         lambda key: doc.line_of("chapters", index, key))
    select = item.get("select", {})
    if isinstance(select, dict):
        found += _check_rule(path, doc, index, select, owner, known)
    slug = item.get("slug")
    if isinstance(slug, str) and not SLUG.match(slug):
        found += (Problem(str(path), doc.line_of("chapters", index, "slug"), owner, "slug",
                          f"`{slug}` is not a slug; expected lowercase words and hyphens"),)
    if found:
        return refused(*found)
    rule = Rule(**{k: tuple(str(v) for v in select.get(k, ())) for k in RULE_FIELDS})
    return Checked(ChapterSpec(slug=item["slug"], title=item["title"],
                               intro=item.get("intro", ""), rule=rule,
                               catch_all=item.get("catch_all", False)))


def _check_rule(path: Path, doc: YamlMapping, index: int, select: dict[str, Any],
                owner: str, known: Sequence[str]) -> tuple[Problem, ...]:
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
    return tuple(problems)


def _check_chapter_set(path: Path, doc: YamlMapping,
                       chapters: tuple[ChapterSpec, ...]) -> tuple[Problem, ...]:
    """Return a problem for each duplicate slug, and for misplaced catch-all chapters."""
    problems = []
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
    return tuple(problems)


def _load_glossary(path: Path) -> Checked[tuple[tuple[str, str], ...]]:
    """Read the glossary: acronym → full name, one per line."""
    raw = _load_yaml_file(path, "glossary")
    doc = raw.value
    odd = tuple(Problem(str(path), doc.line_of(acronym), acronym, acronym,
                        f"{_describe(name)}; expected the full name as text")
                for acronym, name in doc.values.items()
                if not isinstance(name, str) or not has_words(name))
    odd = beyond(raw.problems, odd + character_problems(path, doc))
    entries = sorted((acronym, name) for acronym, name in doc.values.items()
                     if isinstance(name, str))
    return Checked(tuple(entries), raw.problems + odd)


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


def _load_entities(path: Path) -> Checked[tuple[Entity, ...]]:
    """Read the entity registry: acronyms mapped to a name and the other names pages use
    (aliases, former names, French and Spanish names), each name owned by one entity."""
    raw = _load_yaml_file(path, "entity registry")
    problems = list(raw.problems) + list(character_problems(path, raw.value))
    entities = []
    owners: dict[str, str] = {}
    for acronym, value in raw.value.values.items():
        fields = _entity_fields(path, raw.value, str(acronym), value)
        problems += beyond(raw.problems, fields.problems)
        if fields.value is None:
            continue
        name = fields.value["name"]
        names = [n for key in NAME_LISTS for n in fields.value.get(key, [])]
        for claimed in (str(acronym), name, *names):
            owner = owners.setdefault(claimed.casefold(), str(acronym))
            if owner != acronym:
                problems.append(Problem(str(path), raw.value.line_of(acronym), str(acronym),
                                        "name", f"`{claimed}` also names {owner}; expected "
                                        "each name to belong to one entity"))
        aliases = tuple(dict.fromkeys(n for n in names if n not in (acronym, name)))
        entities.append(Entity(str(acronym), name, aliases))
    return Checked(tuple(entities), tuple(problems))


def _entity_fields(path: Path, raw: YamlMapping, acronym: str,
                   value: object) -> Checked[dict[str, Any] | None]:
    """Return an entity's fields, a name list written as one name made a list and a faulty
    one left out: the entity is still known by its good names, so the chapters and records
    naming it are not refused for that fault as well (None when it has no name)."""
    if not isinstance(value, dict) or "name" not in value:
        return refused(Problem(str(path), raw.line_of(acronym), acronym, "name",
                               "missing; expected `name: Full Name`"))
    value = {k: [v] if k in NAME_LISTS and isinstance(v, str) else v for k, v in value.items()}
    found = check_fields(str(path), value, ENTITY_FIELDS, acronym,
                         partial(_line_of, raw, acronym))
    found += tuple(p for p in _name_problems(path, raw, acronym, value)
                   if p.field not in {f.field for f in found})
    faulty = {p.field for p in found}
    kept = {k: v for k, v in value.items() if k not in faulty}
    kept.setdefault("name", acronym)  # a blank name, named above: known by its acronym
    return Checked(kept, found)


def _name_problems(path: Path, raw: YamlMapping, acronym: str,
                   value: dict[str, Any]) -> tuple[Problem, ...]:
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
    return tuple(found)
