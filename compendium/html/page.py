"""The compendium's page rendered through the project's templates: the HTML edition, and
each part of the PDF (templates/parts/), with what hyphenation must not break marked."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from compendium.chapter_markdown import entities_line
from compendium.html.backmatter import (
    excerpt,
    page_numbers,
)
from compendium.html.document import Document, long_date, svg_data_uri, svg_with_title, years_of
from compendium.html.headings import entry_heading, reference_name
from compendium.html.nobreak import NameIndex, mark_html, registry_names
from compendium.html.templating import ProjectLoader, TemplateEnvironment, template_errors
from compendium.memo import memoized
from compendium.model import NO_PAGES, Chapter, Pagination, Record
from compendium.records.config import Edition, Labels
from compendium.records.countries import country_names

log = logging.getLogger(__name__)


PAGE_TEMPLATE = "compendium.html.j2"
"""The template of the whole page: the HTML edition, and each part of the PDF."""


@memoized(limit=8)
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
    env.filters["counted"] = counted
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
            by_label=functools.partial(by_label, label), by_source=by_source,
            unbreakable=functools.partial(_unbreakable, names=names))


def edition_names(edition: Edition) -> NameIndex:
    """Return the proper names hyphenation must leave whole: the registry's entities (names,
    acronyms, aliases) and the countries."""
    entities = [n for e in edition.entities for n in (e.acronym, e.name, *e.aliases)]
    return registry_names(entities, country_names())


def _unbreakable(html: str, names: NameIndex) -> markupsafe.Markup:
    """Return safe HTML with what hyphenation must not break marked (see nobreak.py)."""
    return markupsafe.Markup(_marked(str(html), names))


@memoized(limit=65_536)
def _marked(html: str, names: NameIndex) -> str:
    """Return mark_html's result, remembered: the annex and the see-also lists mark every
    record's label again in each part, and in each build of the preview (0.2 s of the 0.7 s
    the parts' HTML took after an edit, at 1,000 records)."""
    return mark_html(html, names)


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


@memoized(limit=65_536)
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
    marked = _ragged_where_addresses(mark_html(body, names))
    run_in = not record.is_profile and bool(number) and not heading.shown
    opening = OPENING_PARAGRAPH.match(marked) if run_in else None
    if opening:
        marked = _run_in(marked, opening.end(), number)
    else:
        run_in = False
    return markupsafe.Markup(template.render(
        record=record, body=markupsafe.Markup(marked), status=status,
        medium=medium, labels=labels, heading=heading, chapter_title=chapter_title,
        number=number, run_in=run_in,
        unbreakable=functools.partial(_unbreakable, names=names)).strip("\n"))


BLOCK_WITH_ADDRESS = re.compile(
    r'<(p|li)((?: id="[^"<>]*")?)>(?=(?:(?!</\1>).)*?(?:<span class="url">|class="bare-link"))',
    re.DOTALL)
"""A paragraph or list item holding a web address (marked by nobreak.py, or a link whose text
is its address)."""


def _ragged_where_addresses(marked: str) -> str:
    """Return ``marked`` with each paragraph or item holding a web address set ragged: an
    address is long and breaks only at its slashes and dots, and a justified line before it
    stretched its spaces 3 cm wide (the designer's review)."""
    if '<span class="url">' not in marked and 'class="bare-link"' not in marked:
        return marked
    return BLOCK_WITH_ADDRESS.sub(r'<\1\2 class="has-address">', marked)


# An entry known only by its text opens its first paragraph with its number, as a run-in
# head: printed as a heading of its own, the number stood alone on a line above the text.
OPENING_PARAGRAPH = re.compile(r'<p(?: id="[^"<>]*")?(?: class="has-address")?>')


def _run_in(marked: str, at: int, number: str) -> str:
    """Return ``marked`` (an entry's body) with ``number`` put ``at`` the start of its
    opening paragraph's text. Screen readers have it in the entry's heading, so here it is
    hidden from them."""
    span = (f'<span class="entry-number run-in" aria-hidden="true">'
            f'{markupsafe.escape(number)}</span> ')
    return marked[:at] + span + marked[at:]


@memoized(limit=65_536)
def record_label(template: jinja2.Template, labels: Labels, record: Record,
                 body: str) -> markupsafe.Markup:
    """Return how a link to ``record`` reads (remembered, as record_html is)."""
    return markupsafe.Markup(template.render(record=record, body=body, labels=labels))


def by_label(label: Callable[[Record, str], markupsafe.Markup], records: Sequence[Record]
             ) -> list[tuple[markupsafe.Markup, list[Record]]]:
    """Return ``records`` grouped by how each reads without a quote (``label(record, "")``),
    in the order each reading first comes: the annex names the entries made from a page
    once for all those that read alike ("IOM, Jul 2007: 2.29, 2.30")."""
    groups: dict[markupsafe.Markup, list[Record]] = {}
    for record in records:
        groups.setdefault(label(record, ""), []).append(record)
    return list(groups.items())


def by_source(records: Sequence[Record]) -> list[tuple[str, list[Record]]]:
    """Return records written from other sources grouped by their source (its label: kind,
    date, note), in reading order: the annex names each source once."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        if record.provenance is not None:
            groups.setdefault(record.provenance.label, []).append(record)
    return list(groups.items())


def _mark_safe(html: str) -> Any:
    """Mark HTML that render_body already sanitized as safe for the templates."""
    return markupsafe.Markup(html)


def counted(number: int, one: str, many: str) -> str:
    """Return "1 activity entry" or "3 activity entries": ``number`` with its noun."""
    return f"{number:,} {one if number == 1 else many}"
