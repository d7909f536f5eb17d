"""Render record bodies and the whole compendium as HTML, with record text kept inert."""

from __future__ import annotations

import base64
import datetime
import functools
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe
import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from compendium.cache import NO_CACHE, Cache, key_of
from compendium.html.acronyms import Acronym, acronym_list
from compendium.html.backmatter import (
    IndexEntry,
    SourcePage,
    country_index,
    entity_index,
    excerpt,
    page_numbers,
    source_annex,
    written_records,
)
from compendium.html.changes import CHANGED, MOVED, REMOVED, Changes, mark_changes
from compendium.html.charts import NO_CHARTS, Charts
from compendium.html.headings import entry_heading, reference_name
from compendium.html.images import image_sources, images_key
from compendium.html.nobreak import NameIndex, mark_html, registry_names
from compendium.html.templating import ProjectLoader, TemplateEnvironment, template_errors
from compendium.logcapture import captured_warnings
from compendium.markdown import entities_line
from compendium.model import NO_PAGES, Chapter, Pagination, Record, text_direction
from compendium.records.config import Edition, Labels
from compendium.records.countries import country_names

if TYPE_CHECKING:
    from compendium.records.comments import PlacedComment

log = logging.getLogger(__name__)

PAGE_TEMPLATE = "compendium.html.j2"
"""The template of the whole page: the HTML edition, and each part of the PDF."""
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")
ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "a", "code", "pre", "blockquote",
                "h2", "h3", "h4", "h5", "h6", "br", "hr", "table", "thead", "tbody", "tr",
                "th", "td", "span", "sup", "section", "img"}
ALLOWED_ATTRIBUTES = {"*": {"id", "lang", "dir"}, "a": {"href", "title"},
                      "th": {"align", "style"}, "td": {"align", "style"},
                      "img": {"src", "alt", "title"}}
ALLOWED_CLASSES = {"a": {"footnote-backref", "bare-link"}, "sup": {"footnote-ref"},
                   "section": {"footnotes"}, "ol": {"footnotes-list"},
                   "li": {"footnote-item"}, "hr": {"footnotes-sep"}}
"""The classes the Markdown plugins give (footnotes, bare links) and the print styles use."""
SPAN_ATTRIBUTES = ("lang",)
"""What `[text]{…}` may set on a passage: its language (the direction follows from it)."""


@dataclass(frozen=True)
class Document:
    """What the templates need to lay out the compendium.

    No slots: the indexes and the annex are worked out once per document (cached_property),
    however many parts of the PDF print them."""

    edition: Edition
    """The edition's config."""
    chapters: tuple[Chapter, ...]
    """Chapters in reading order."""
    bodies: dict[str, str]
    """Each record's body as safe HTML, by record id."""
    introduction: str
    """The edition's introduction as safe HTML."""
    intros: dict[str, str]
    """Each chapter's introduction as safe HTML, by slug."""
    stamp: Stamp
    """When and from what the build was made."""
    status: dict[str, str] = field(default_factory=dict)
    """added, changed or removed, by record id, when compared with an earlier state."""
    since: str = ""
    """What the records are compared with; empty when they are not."""
    changes: Changes | None = None
    """Everything that changed since ``since`` (the change list prints it)."""
    comments: tuple[PlacedComment, ...] = ()
    """Reviewers' open comments from the ledger, each where this draft shows it."""
    acronyms: tuple[Acronym, ...] = ()
    """The list of acronyms."""
    charts: Charts = NO_CHARTS
    """Figures drawn from the records (still being drawn, maybe)."""
    front_matter: tuple[tuple[str, str], ...] = ()
    """(name, safe HTML) of the foreword, acknowledgements and methodology, in order."""
    imprint_notes: str = ""
    """Further notices of the imprint page, safe HTML."""
    back_cover: str = ""
    """Text of the back cover, safe HTML."""

    @functools.cached_property
    def activity_count(self) -> int:
        """Return how many activity entries (records that are not profiles) the document holds."""
        return sum(1 for c in self.chapters for r in c.records if not r.is_profile)

    @functools.cached_property
    def record_count(self) -> int:
        """Return how many records the document holds."""
        return sum(len(c.records) for c in self.chapters)

    @functools.cached_property
    def entity_index(self) -> tuple[IndexEntry, ...]:
        """Return the index of entities."""
        return entity_index(self.chapters, self.edition)

    @functools.cached_property
    def country_index(self) -> tuple[IndexEntry, ...]:
        """Return the index of countries."""
        return country_index(self.chapters, self.bodies)

    @functools.cached_property
    def annex(self) -> tuple[SourcePage, ...]:
        """Return the annex of sources."""
        return source_annex(self.chapters, self.entity_names)

    @functools.cached_property
    def entity_names(self) -> dict[str, str]:
        """Return each registry entity's full name by acronym."""
        return {e.acronym: e.name for e in self.edition.entities}

    @functools.cached_property
    def entry_numbers(self) -> dict[str, str]:
        """Return the entry number of every record (see Chapter.entry_numbers)."""
        return {rid: number for c in self.chapters for rid, number in c.entry_numbers().items()}

    @functools.cached_property
    def change_list(self) -> tuple[tuple[str, Record, Chapter | None], ...]:
        """Return (status, record, chapter) of each added, changed or removed record, in
        reading order; a removed record no chapter shows comes last, without a chapter."""
        placed: tuple[tuple[str, Record, Chapter | None], ...] = tuple(
            (self.status[r.id], r, c) for c in self.chapters for r in c.records
            if self.status.get(r.id, MOVED) != MOVED)
        shown = {r.id for _, r, _ in placed}
        removed = self.changes.removed if self.changes else ()
        return placed + tuple((REMOVED, r, None) for r in removed if r.id not in shown)

    @functools.cached_property
    def records_by_id(self) -> dict[str, Record]:
        """Return every record the document shows, by id."""
        return {r.id: r for c in self.chapters for r in c.records}

    @functools.cached_property
    def written(self) -> tuple[Record, ...]:
        """Return the records written from other sources than raw pages, for the annex."""
        return written_records(self.chapters)

    @functools.cached_property
    def facets(self) -> Facets:
        """Return what the reader's filter offers: entities, years and countries present."""
        records = [r for c in self.chapters for r in c.records]
        return Facets(entities=tuple(sorted({e for r in records for e in r.entities})),
                      years=tuple(sorted({y for r in records for y in years_of(r)},
                                         reverse=True)),
                      countries=tuple(sorted({c for r in records for c in r.countries})))


@dataclass(frozen=True, slots=True)
class Stamp:
    """What every page of a draft says about its build."""

    date: str
    """Date of the latest source change, ISO 8601."""
    fingerprint: str
    """The state of the sources: a git commit or a content hash."""
    draft: bool
    """Whether this is a draft (marked as such) or the publication."""


@dataclass(frozen=True, slots=True)
class Facets:
    """The values the reader's filter offers."""

    entities: tuple[str, ...]
    """Entity acronyms that lead or partner in a record."""
    years: tuple[str, ...]
    """Years covered by a record's period, newest first."""
    countries: tuple[str, ...]
    """Countries the records concern."""


def years_of(record: Record) -> tuple[str, ...]:
    """Return the years an activity's period covers, its round's year, or ("undated",)."""
    if record.period is None and record.round is not None and not record.is_profile:
        return (str(record.round),)
    if record.period is None:
        return () if record.is_profile else ("undated",)
    end = record.period.end or record.period.start
    return tuple(str(y) for y in range(record.period.start.year, end.year + 1))


RAW_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
"""Something that looks like an HTML tag in record text: shown as text, and warned about."""


def make_markdown() -> MarkdownIt:
    """Return a CommonMark parser that treats raw HTML in the text as text, with what an
    editor expects besides: tables (aligned), footnotes, bare links, `[passage]{lang=fr}`."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "linkify"])
    md.use(footnote_plugin)
    md.use(attrs_plugin, spans=True, after=(), allowed=SPAN_ATTRIBUTES)
    md.add_render_rule("footnote_anchor", _footnote_backlink)
    # markdown-it would silently leave `[x](javascript:...)` as text; let every link
    # through to _neutralise, which makes the unsafe ones inert *and* names the record.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # The record's own passes, after markdown-it's (inline, linkify, footnotes): they read
    # the record's id, images and heading level from the env render_body parses with.
    md.core.ruler.push("neutralise", lambda state: _neutralise(
        state.tokens, _env(state.env).record_id, _env(state.env).images))
    md.core.ruler.push("nest_headings", lambda state: _nest_headings(
        state.tokens, _env(state.env).heading_level))
    md.core.ruler.push("number_paragraphs", lambda state: _number_paragraphs(
        state.tokens, _env(state.env).record_id))
    return md


@dataclass(frozen=True, slots=True)
class _RecordEnv:
    """What the record passes need to know of the text being parsed."""

    record_id: str
    images: Mapping[str, str]
    heading_level: int


def _env(env: Mapping[str, Any]) -> _RecordEnv:
    """Return the record passes' view of a parse's env (see render_body)."""
    return _RecordEnv(str(env.get("docId", "")), env.get("images") or {},
                      int(env.get("heading_level", 2)))


def _footnote_backlink(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: Any) -> str:
    """Return the link from a footnote back to its reference (an arrow the fonts have)."""
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    if tokens[idx].meta.get("subId", 0) > 0:
        ident += f":{tokens[idx].meta['subId']}"
    return f' <a href="#fnref{ident}" class="footnote-backref" aria-label="Back">\u2191</a>'


def render_body(md: MarkdownIt, text: str, record_id: str, heading_level: int,
                images: Mapping[str, str] | None = None) -> str:
    """Render one record's Markdown as safe HTML, headings starting at ``heading_level``;
    ``images`` are the `data:` URLs of the project's images (see images.py), by source."""
    # docId: footnote anchors unique on a page of many records (the footnote plugin's key).
    env = {"docId": record_id, "images": images or {}, "heading_level": heading_level}
    return sanitize(md.render(text, env))


def sanitize(html: str, marks: bool = False) -> str:
    """Keep only the tags and attributes record text may produce (and <ins>, <del> if marks)."""
    return str(nh3.clean(html, tags=ALLOWED_TAGS | ({"ins", "del"} if marks else set()),
                         attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
                         filter_style_properties={"text-align"},
                         url_schemes={"http", "https", "mailto", "data"}, link_rel=None))


def _neutralise(tokens: Sequence[Token], record_id: str, images: Mapping[str, str]) -> None:
    """Turn images other than the project's into their alt text and unsafe links into plain
    text, with a warning."""
    for token in tokens:
        if token.children:
            _neutralise(token.children, record_id, images)
        # Code spans and blocks are meant to show markup, so only running text is checked,
        # the text of a whole line at once (linkify cuts a tag with an address in it).
        if token.type == "inline" and (tag := RAW_TAG.search(_running_text(token))):
            log.warning("%s: HTML `%s` shown as text; record text may not contain markup",
                        record_id, _shorten(tag.group()))
        if token.type == "image" and str(token.attrGet("src")) in images:
            token.attrSet("src", images[str(token.attrGet("src"))])
        elif token.type == "image":
            log.warning("%s: image `%s` dropped; record text may not embed images",
                        record_id, _shorten(str(token.attrGet("src"))))
            token.type, token.tag, token.content = "text", "", token.content
            token.children = None
        elif token.type == "link_open" and token.markup in ("linkify", "autolink"):
            token.attrSet("class", "bare-link")  # its text is its address: printed once
        elif token.type == "span_open" and token.attrGet("lang"):
            _set_direction(token)
        elif token.type == "link_open" and not _is_safe_link(str(token.attrGet("href") or "")):
            log.warning("%s: link `%s` made plain text; only http, https, mailto and "
                        "#anchors are kept", record_id, _shorten(str(token.attrGet("href"))))
            token.attrs = {}
            token.tag = "span"
    _close_neutralised_links(tokens)


def _running_text(inline: Token) -> str:
    """Return the text of an inline token outside its code spans."""
    return "".join(child.content if child.type == "text" else " "
                   for child in inline.children or () if child.type != "code_inline")


def _set_direction(token: Token) -> None:
    """Give a passage in a right-to-left language its direction (``dir=rtl``)."""
    direction = text_direction(str(token.attrGet("lang")))
    if direction:
        token.attrSet("dir", direction)


def _shorten(text: str, limit: int = 60) -> str:
    """Return ``text`` cut to ``limit`` characters for a one-line warning."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _close_neutralised_links(tokens: Sequence[Token]) -> None:
    """Give each link turned into a span a matching closing span."""
    for token in tokens:
        if token.children:
            _close_neutralised_links(token.children)
    open_tags: list[str] = []
    for token in tokens:
        if token.type == "link_open":
            open_tags.append(token.tag)
        elif token.type == "link_close" and open_tags:
            token.tag = open_tags.pop()


def _is_safe_link(href: str) -> bool:
    """Return whether a link may stay a link."""
    return href.lower().startswith(SAFE_LINK_SCHEMES)


def _nest_headings(tokens: Sequence[Token], first_level: int) -> None:
    """Shift headings so the body's top heading level becomes ``first_level``."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if not levels:
        return
    shift = first_level - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{max(2, min(6, int(token.tag[1]) + shift))}"


def _number_paragraphs(tokens: Sequence[Token], record_id: str) -> None:
    """Give top-level paragraphs and lists a citable id, ``<record id>-p<n>``, and the items
    of such a list ``<record id>-p<n>-<k>`` (an index can then point at the item)."""
    number = item = 0
    for token in tokens:
        if token.level == 0 and token.type in ("paragraph_open", "bullet_list_open",
                                               "ordered_list_open"):
            number += 1
            item = 0
            token.attrSet("id", f"{record_id}-p{number}")
        elif token.level == 1 and token.type == "list_item_open":
            item += 1
            token.attrSet("id", f"{record_id}-p{number}-{item}")


def build_document(chapters: tuple[Chapter, ...], edition: Edition, stamp: Stamp,
                   cache: Cache = NO_CACHE) -> Document:
    """Render every Markdown text of the compendium to safe HTML (each record's from the
    cache when its text is unchanged)."""
    md = make_markdown()
    images = image_sources((r.body for c in chapters for r in c.records), edition.path.parent)
    bodies = {r.id: cached_body(md, r.body, r.id, 3 if r.is_profile else 4, cache, images)
              for c in chapters for r in c.records}
    intros = {c.slug: render_body(md, c.intro, f"chapter-{c.slug}-intro", 3)
              for c in chapters if c.intro}
    introduction = render_body(md, edition.introduction, "introduction", 2)
    front = tuple((name, render_body(md, text, name, 2)) for name, text in edition.front_matter)
    records = [r for c in chapters for r in c.records]
    texts = [*(text for _, text in edition.front_matter), edition.introduction,
             *(c.intro for c in chapters), *(r.body for r in records)]
    registry = {e.acronym: e.name for e in edition.entities}
    acronyms = acronym_list(texts, dict(edition.glossary), registry)
    return Document(edition, chapters, bodies, introduction, intros, stamp,
                    acronyms=acronyms, charts=Charts(records, cache), front_matter=front,
                    imprint_notes=render_body(md, edition.imprint.notes, "imprint", 3),
                    back_cover=render_body(md, edition.imprint.back_cover, "back-cover", 3))


def cached_body(md: MarkdownIt, text: str, record_id: str, heading_level: int,
                cache: Cache, images: Mapping[str, str] | None = None) -> str:
    """Return render_body's HTML from the cache, replaying the warnings it gave."""
    def make() -> dict[str, Any]:
        with captured_warnings(__name__) as warnings:
            html = render_body(md, text, record_id, heading_level, images)
        return {"html": html, "warnings": list(warnings)}

    shown = images_key(text, images or {})  # an image changed: its records render anew
    remembered = (record_id, heading_level, text + shown)
    if cache is not NO_CACHE and remembered in _BODIES:
        html, warnings = _BODIES[remembered]
    else:
        key = key_of("body", record_id, str(heading_level), text, shown)
        found = cache.get(key)
        if found is None:
            value = make()  # the warnings were logged as it ran
            cache.put(key, json.dumps(value, sort_keys=True).encode())
            html, warnings = str(value["html"]), ()
        else:
            value = json.loads(found)
            html, warnings = str(value["html"]), tuple(value["warnings"])
        if len(_BODIES) >= BODIES_LIMIT:
            _BODIES.pop(next(iter(_BODIES)))
        _BODIES[remembered] = html, tuple(value["warnings"])
    for warning in warnings:
        log.warning("%s", warning)
    return html


_BODIES: dict[tuple[str, int, str], tuple[str, tuple[str, ...]]] = {}
"""Bodies rendered or read from the cache by this process, by id, heading level and text: a
preview rebuilding after an edit renders or reads only the edited record's."""
BODIES_LIMIT = 65_536


def with_changes(document: Document, changes: Changes) -> Document:
    """Return ``document`` with changed records' text marked word by word and removed struck."""
    md = make_markdown()
    bodies = dict(document.bodies)
    earlier = {**changes.earlier, **{r.id: r for r in changes.removed}}
    for rid, record in earlier.items():
        old = render_body(md, record.body, rid, 3 if record.is_profile else 4)
        new = bodies[rid] if changes.status[rid] == CHANGED else ""
        bodies[rid] = sanitize(mark_changes(old, new), marks=True)
    return replace(document, bodies=bodies, status=changes.status, since=changes.since,
                   changes=changes)


@functools.lru_cache(maxsize=8)
def template_environment(templates: Path) -> jinja2.Environment:
    """Return a strict, autoescaping Jinja environment for the HTML templates."""
    env = TemplateEnvironment(loader=ProjectLoader(templates),
                              undefined=jinja2.StrictUndefined,
                              autoescape=jinja2.select_autoescape(["html", "j2"],
                                                                  default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)
    env.filters["entities_line"] = entities_line
    env.filters["years"] = years_of
    env.filters["long_date"] = long_date
    env.filters["svg_with_title"] = svg_with_title
    env.filters["page_numbers"] = page_numbers
    env.filters["data_uri"] = svg_data_uri
    env.filters["excerpt"] = excerpt
    env.filters["reference_name"] = reference_name
    return env


def render_html(document: Document, templates: Path, medium: str, inline_css: str = "",
                script: str = "", pages: Pagination = NO_PAGES,
                part: str = "all") -> str:
    """Render the compendium page for ``medium`` (``html`` or ``pdf``).

    ``pages`` gives the page numbers the PDF prints as text (contents, indexes).
    ``part`` renders one part of the PDF (see parts.py): ``title``, ``contents``, ``preface``,
    ``chapters`` (those of ``document``), ``index``, ``index-countries`` or ``annex``;
    ``all`` is everything, as the HTML edition has it. The page template renders each from
    ``parts/<part>.html.j2``: a part without one is a RenderError naming that file."""
    env = template_environment(templates)
    labels = document.edition.labels
    names = edition_names(document.edition)
    with template_errors(templates):
        record = functools.partial(record_html, env.get_template("record.html.j2"), medium,
                                   labels, names)
        label = functools.partial(record_label, env.get_template("record-label.html.j2"),
                                  labels)
        return env.get_template(PAGE_TEMPLATE).render(
            doc=document, edition=document.edition, medium=medium, inline_css=inline_css,
            script=script, pages=pages, part=part, labels=labels, safe=_mark_safe,
            articles=functools.partial(articles, record, document), record_label=label,
            unbreakable=functools.partial(_unbreakable, names=names))


def edition_names(edition: Edition) -> NameIndex:
    """Return the proper names hyphenation must leave whole: the registry's entities (names,
    acronyms, aliases) and the countries."""
    entities = [n for e in edition.entities for n in (e.acronym, e.name, *e.aliases)]
    return registry_names(entities, country_names())


def _unbreakable(html: str, names: NameIndex) -> markupsafe.Markup:
    """Return safe HTML with what hyphenation must not break marked (see nobreak.py)."""
    return markupsafe.Markup(mark_html(str(html), names))


def articles(record: Callable[[Record, str, str, str, str, str], markupsafe.Markup],
             document: Document, records: Sequence[Record],
             chapter: Chapter | None = None) -> markupsafe.Markup:
    """Return the articles of ``records``, one per line, each made by ``record``, headed as
    in ``chapter`` (its own entity left out of the headings).

    (One call for a whole group: a loop in the template cost 30 µs a record.)"""
    own, title = (chapter.entity, chapter.title) if chapter else ("", "")
    numbers = document.entry_numbers
    return markupsafe.Markup("\n").join(
        record(r, document.bodies[r.id], document.status.get(r.id, ""), own, title,
               numbers.get(r.id, ""))
        for r in records)


@functools.lru_cache(maxsize=65_536)
def record_html(template: jinja2.Template, medium: str, labels: Labels, names: NameIndex,
                record: Record, body: str, status: str, own_entity: str,
                chapter_title: str, number: str) -> markupsafe.Markup:
    """Return one record's article: ``template`` sees only these arguments, so the article
    is remembered by them, and a preview renders again only the records that changed (a
    changed template is a new Template object: nothing of the old one is reused).

    The article's heading leaves out ``own_entity`` (the chapter's), and a profile titled as
    its chapter ``chapter_title`` is headed by the word for a profile; ``number`` is its
    entry number (Chapter.entry_numbers)."""
    heading = entry_heading(record, own_entity, labels.partners, excerpt(body, 8))
    return markupsafe.Markup(template.render(
        record=record, body=markupsafe.Markup(mark_html(body, names)), status=status,
        medium=medium, labels=labels, heading=heading, chapter_title=chapter_title,
        number=number,
        unbreakable=functools.partial(_unbreakable, names=names)).strip("\n"))


@functools.lru_cache(maxsize=65_536)
def record_label(template: jinja2.Template, labels: Labels, record: Record,
                 body: str) -> markupsafe.Markup:
    """Return how a link to ``record`` reads (remembered, as record_html is)."""
    return markupsafe.Markup(template.render(record=record, body=body, labels=labels))


def long_date(iso: str) -> str:
    """Return "22 November 2026" for an ISO 8601 date."""
    day = datetime.date.fromisoformat(iso[:10])
    return f"{day.day} {day:%B %Y}"


def svg_data_uri(svg: str) -> str:
    """Return an SVG drawing as a data: URL, the one kind the PDF renderer may read inline."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def svg_with_title(svg: str, title: str, slug: str) -> str:
    """Return a chart's SVG as an image with an accessible name (its <title>), scaling with
    the page: its fixed width and height dropped (the viewBox keeps its proportions), so it
    never overflows a phone's screen."""
    escaped = markupsafe.escape(title)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is not None:
        fluid = re.sub(r'\s(?:width|height)="[^"]*"', "", opening.group())
        svg = fluid + svg[opening.end():]
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{slug}-title" ', 1).replace(
        ">", f'><title id="{slug}-title">{escaped}</title>', 1)


def _mark_safe(html: str) -> Any:
    """Mark HTML that render_body already sanitized as safe for the templates."""
    return markupsafe.Markup(html)
