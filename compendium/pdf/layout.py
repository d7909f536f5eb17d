"""Lay out a PdfJob with WeasyPrint, fetching only the project's files (in the PDF workers)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pikepdf
import weasyprint.layout.inline as weasyprint_inline
from weasyprint import CSS, HTML, Attachment
from weasyprint.logger import LOGGER
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import FontConfiguration, get_hb_object_data
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from compendium.errors import RenderError
from compendium.fonts import (
    EMBEDDED_FONT_NAMES,
    FONT_DIRS,
    font_face_css,
    needs_script_faces,
)
from compendium.logcapture import captured_warnings
from compendium.memo import memoized
from compendium.pdf.jobs import PdfJob, RenderedPdf
from compendium.pdf.joining import name_foreign_links
from compendium.pdf.tags import collapse_spans, mark_margins_as_artifacts


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Fetch only ``file:`` URLs inside the allowed folders, and ``data:`` URLs."""

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                         fail_on_errors=True, timeout=1)
        self._roots = tuple(r.resolve() for r in roots)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """Fetch ``url`` when it is a data URL or a file below an allowed folder."""
        if url.lower().startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"refused to read {path}: outside the project")
        elif not url.lower().startswith("data:"):
            raise ValueError(f"refused to fetch {url}: only project files are read")
        return super().fetch(url, headers)


PDFUA_XMP = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
             b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" '
             b'pdfuaid:part="1"/></rdf:RDF>')
"""XMP identifying PDF/UA-1, added to the PDF/A file's metadata."""
OUR_FONTS = EMBEDDED_FONT_NAMES
"""Font names (after the subset tag) the PDF may contain; any other came from the machine."""


DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                  b"LTSH", b"PCLT", b"SVG ")
"""Font tables a subset drops (WeasyPrint's list): the PDF draws glyphs, it does not shape."""


def subset_keeping_glyph_ids(font: Any, to_unicode: Any, hinting: bool) -> None:
    """Subset ``font`` (a WeasyPrint Font) to the glyphs of ``to_unicode`` and those they
    are built from, every glyph keeping its id: WeasyPrint's HarfBuzz subsetting in one pass.

    WeasyPrint 70 subsets twice, the second time to drop the empty glyphs after the last one
    used, and that pass does not keep ids: a glyph that a used one is built from (the
    diaeresis of an "ä"), if its id lies beyond the last used, moves to the first free id.
    The subset alone is right; folded by glyph id with the other parts' (subsets.py), that
    id is another glyph's, and the shipped PDF drew its en dashes as a diaeresis. One pass
    costs a few empty glyphs (4 bytes each) after the last one used."""
    subset = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                    harfbuzz_subset.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(subset),
                                     ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs),
                                     len(glyphs))
    flags = (harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS |
             harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED |
             harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE)
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset, flags)
    tags = [harfbuzz.hb_tag_from_string(tag, -1) for tag in DROPPED_TABLES]
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(subset,
                                            harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(tags)}]", sorted(tags)), len(tags))
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset),
                  harfbuzz.hb_face_destroy)
    data = get_hb_object_data(face) if face else None
    if data:
        font.file_content = data
    else:  # as WeasyPrint does: the whole font, and a warning the build shows
        LOGGER.warning('Unable to subset "%s" with HarfBuzz', font.family)


# Every process that lays out the PDF imports this module (the workers' fork server loads
# it), so every subset keeps its glyph ids.
Font._harfbuzz_subset = subset_keeping_glyph_ids

_split_first_line = weasyprint_inline.split_first_line
COLLAPSING_SPACES = ("normal", "nowrap", "pre-line")
ROOM_LEFT_EMS = 4
"""Room left on a line after its one word, in ems, past which the split is looked at again:
a line legitimately ending after one word has less room left than the next word needs
(looking at every split text again cost 5 to 10 % of the layout)."""


def split_first_line_but_its_last_space(text: str, style: Any, context: Any,
                                        max_width: float | None,
                                        justification_spacing: float,
                                        is_line_start: bool = True,
                                        minimum: bool = False) -> Any:
    """Split ``text`` as WeasyPrint 70's split_first_line does, except that a text which
    fits on the line but for its last space (a space that collapses at the line's end) is
    kept whole.

    WeasyPrint counts that space against the line, finds the text too wide, and then keeps
    only its first word: the text before a marked name or acronym (html/nobreak.py) that
    ended a space's width from the margin printed as "Through" alone on an indented line,
    the rest of the sentence below it (three times in the shipped PDF)."""
    found = _split_first_line(text, style, context, max_width, justification_spacing,
                              is_line_start, minimum)
    if (found[2] is None or max_width is None or max_width == math.inf
            or not text.endswith(" ") or style["white_space"] not in COLLAPSING_SPACES
            or len(text.encode()[:found[2]].split()) > 1
            or max_width - found[3] < ROOM_LEFT_EMS * style["font_size"]):
        return found  # not the defect's mark: one word kept, and the line left empty
    bare = _split_first_line(text.rstrip(" "), style, context, max_width,
                             justification_spacing, is_line_start, minimum)
    if bare[2] is not None:  # it does not fit, even without its space
        return found
    whole = _split_first_line(text, style, context, max_width + style["font_size"],
                              justification_spacing, is_line_start, minimum)
    return whole if whole[2] is None else found


weasyprint_inline.split_first_line = split_first_line_but_its_last_space


def typeset(job: PdfJob) -> RenderedPdf:
    """Lay out ``job.html`` and write the PDF, collecting WeasyPrint's warnings."""
    with captured_warnings("weasyprint") as warnings:
        try:
            document = lay_out(job)
            data = document.write_pdf(
                pdf_variant=job.variant, pdf_tags=job.tagged, pdf_identifier=True,
                attachments=attachments_of(job), uncompressed_pdf=False,
                finisher=mark_margins_as_artifacts)
        # WeasyPrint raises many types, and a refused fetch as a BaseException (so that
        # its own handlers cannot swallow it); name the stage for the editor.
        except (Exception, FatalURLFetchingError) as exc:
            reason = f"{exc} ({exc.__cause__})" if exc.__cause__ else str(exc)
            raise RenderError(f"PDF rendering failed: {reason}") from exc
    pdf, foreign = slimmed(bytes(data))
    warnings.extend(foreign)
    return RenderedPdf(pdf, len(document.pages), anchor_pages(document.pages), tuple(warnings),
                       blank_pages(document.pages))


def lay_out(job: PdfJob) -> Any:
    """Return the laid-out WeasyPrint document of ``job`` (pages, boxes, anchors)."""
    styles = parsed_styles(job.project, job.stylesheets, needs_script_faces(job.html))
    css = list(styles.sheets)
    if job.page_css:
        css.append(CSS(string=job.page_css, font_config=styles.fonts,
                       url_fetcher=styles.fetcher))
    document = _layout(job.html, job.project, css, styles.fetcher, styles.fonts)
    if job.variant == "pdf/a-3u":
        # WeasyPrint names one conformance; the archived file is also PDF/UA-1 (tagged).
        document.metadata.xmp_metadata.append(PDFUA_XMP)
    return document


@dataclass(frozen=True, slots=True)
class Styles:
    """The font faces and project stylesheets, parsed, with the fonts they registered."""

    fetcher: ProjectFetcher
    fonts: FontConfiguration
    sheets: tuple[CSS, ...]


def parsed_styles(project: Path, stylesheets: Sequence[Path], scripts: bool) -> Styles:
    """Return the font faces (the script faces' if ``scripts``) and ``stylesheets`` parsed,
    once per process and content.

    Parsing them and registering the faces takes 0.03–0.06 s, which every part, folio sheet
    and stamp of the PDF would pay again; a parsed stylesheet is not changed by a layout."""
    return _parsed(project, tuple((p, p.read_bytes()) for p in stylesheets), scripts)


@memoized(limit=2)  # one edition's styles, with and without the script faces
def _parsed(project: Path, stylesheets: tuple[tuple[Path, bytes], ...], scripts: bool) -> Styles:
    """Return the faces and the stylesheets (path and content) parsed (see parsed_styles)."""
    fetcher = ProjectFetcher((project, *FONT_DIRS))
    fonts = FontConfiguration()
    sheets = [CSS(string=font_face_css(scripts), font_config=fonts, url_fetcher=fetcher)]
    sheets += [CSS(string=data.decode("utf-8"), base_url=path.resolve().as_uri(),
                   font_config=fonts, url_fetcher=fetcher)
               for path, data in stylesheets]
    return Styles(fetcher, fonts, tuple(sheets))


def _layout(html: str, project: Path, css: list[CSS], fetcher: ProjectFetcher,
            fonts: FontConfiguration) -> Any:
    """Lay out ``html`` into pages."""
    return HTML(string=html, base_url=project.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=css, font_config=fonts)


def anchor_pages(pages: Sequence[Any]) -> dict[str, int]:
    """Return the page (from 1) of every anchor of WeasyPrint's ``pages``, first occurrence
    winning."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        for anchor in page.anchors:
            found.setdefault(anchor, number)
    return found


UNNUMBERED_PAGES = ("cover",)
"""Named pages (print.css's `@page cover`: the front and back covers) that carry no folio."""


def blank_pages(pages: Sequence[Any]) -> tuple[int, ...]:
    """Return the pages (from 0) that carry no folio: those WeasyPrint left blank to open
    something on a right page, and the covers (UNNUMBERED_PAGES)."""
    return tuple(n for n, page in enumerate(pages)
                 if page._page_box.page_type.blank  # no public flag
                 or page._page_box.page_type.name in UNNUMBERED_PAGES)


def attachments_of(job: PdfJob) -> list[Attachment]:
    """Return the files to embed, dated with the sources' date."""
    date = job.date or datetime(2000, 1, 1, tzinfo=UTC)
    return [Attachment(file_obj=io.BytesIO(data), name=name, description=description, created=date,
                       modified=date, relationship="Source")
            for name, data, description in job.attachments]


def slimmed(pdf: bytes) -> tuple[bytes, list[str]]:
    """Return ``pdf`` with its plain grouping tags collapsed (see tags.py) and its links to
    other parts named (see joining.py), rewritten by qpdf, and a warning for each font in it
    that is not one of the compendium's.

    qpdf's object streams hold a hundred objects each, where WeasyPrint writes one for the
    whole file: the join then parses only what it copies. (pikepdf, not pypdf, for the
    fonts: pypdf parses every object of a part, and a part full of links has many.)"""
    names: set[str] = set()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            for font in resources.get("/Font", pikepdf.Dictionary()).values():
                names.add(str(font.get("/BaseFont", "")).lstrip("/"))
        collapse_spans(document)
        name_foreign_links(document)
        buffer = io.BytesIO()
        document.save(buffer, deterministic_id=True,
                      object_stream_mode=pikepdf.ObjectStreamMode.generate,
                      stream_decode_level=pikepdf.StreamDecodeLevel.none)
    warnings = [f"font {name.split('+')[-1]} is not one of the compendium's: a character "
                "was missing from its fonts and taken from the machine's"
                for name in sorted(names) if not name.split("+")[-1].startswith(OUR_FONTS)]
    return buffer.getvalue(), warnings
