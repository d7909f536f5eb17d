"""WeasyPrint laying out a document one page at a time, and writing any run of its pages.

``HTML.render`` keeps every page of a document until the PDF is written, gigabytes for a
long chapter. Here each page is given as soon as it is laid out, margin boxes
included, and the caller writes the pages in pieces (flow.py) and lets them go. This is
WeasyPrint's own loop (``layout_document``) turned into a generator, minus what the print
stylesheets do not use: laying the pages out again for page-based counters
(``counter(pages)``, ``target-counter()``) and fixed boxes repeated on every page. It reaches
into WeasyPrint's layout modules: pyproject.toml pins the version it was written against.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from weasyprint import CSS, DEFAULT_OPTIONS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document, Page
from weasyprint.formatting_structure.build import build_formatting_structure
from weasyprint.html import get_html_metadata
from weasyprint.layout import initialize_page_maker
from weasyprint.layout.background import layout_backgrounds
from weasyprint.layout.page import make_all_pages, make_margin_boxes
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration


class PageStream:
    """A document being laid out page by page."""

    def __init__(self, html: str, base_url: str, fetcher: Any, stylesheets: Sequence[CSS],
                 fonts: FontConfiguration) -> None:
        self._html = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        self._fonts = fonts
        counters = CounterStyle()
        options = {**DEFAULT_OPTIONS, "stylesheets": list(stylesheets)}
        self._context = Document._build_layout_context(self._html, fonts, counters, {}, options)
        self._root = build_formatting_structure(
            self._html.etree_element, self._context.style_for,
            self._context.get_image_from_uri, self._html.base_url,
            self._context.target_collector, counters, self._context.footnotes)
        self.metadata = DocumentMetadata(**get_html_metadata(self._html))

    def pages(self) -> Iterator[Page]:
        """Yield the pages, each laid out whole (margin boxes, backgrounds) when it comes."""
        context = self._context
        initialize_page_maker(context, self._root)
        bookmarked: set[int] = set()
        for number, box in enumerate(make_all_pages(context, self._root, self._html, []),
                                     start=1):
            self._gather(box, number, bookmarked)
            root, footnotes, notes = box.children
            context.current_page = number
            state = context.page_maker[number][3]
            children = [root, *(area for area in (footnotes, notes) if area.children)]
            box.children = (*children, *make_margin_boxes(context, box, state))
            layout_backgrounds(box, context.get_image_from_uri)
            yield Page(box)

    def _gather(self, box: Any, number: int, bookmarked: set[int]) -> None:
        """Record the strings page ``number`` sets (running heads of this page and the next),
        and keep one bookmark per element, as layout_document does."""
        for child in box.descendants():
            if child.bookmark_label and child.element is not None:
                key = id(child.element) * 3 + child.element_tag.endswith(
                    "::before") + 2 * child.element_tag.endswith("::after")
                if key in bookmarked:
                    child.bookmark_label = ""
                bookmarked.add(key)
            if child.string_set and child.string_set != "none":
                for name, text in child.string_set:
                    self._context.string_set[name][number].append(text)

    def strings_before(self, number: int) -> dict[str, str]:
        """Return the value every named string carries into page ``number`` (from 1)."""
        carried: dict[str, str] = {}
        for name, pages in self._context.string_set.items():
            before = [page for page in pages if page < number and pages[page]]
            if before:
                carried[name] = pages[max(before)][-1]
        return carried

    def write(self, pages: Sequence[Page], **options: Any) -> bytes:
        """Return ``pages`` (from this stream) written as a PDF of their own."""
        document = Document(list(pages), self.metadata, self._html.url_fetcher, self._fonts,
                            {}, None)
        return bytes(document.write_pdf(**options))
