"""The Word edition (out/compendium.docx), for translation and editing services.

Made from the same safe HTML as the other editions, with Word's own styles: chapters are
Heading 1, periods and profiles Heading 2, entries Heading 3, lists List Bullet / List Number,
links real hyperlinks; so a translation memory or a style check sees the structure.
"""

from __future__ import annotations

import base64
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu
from docx.text.paragraph import Paragraph

from compendium.chapter_markdown import entities_line
from compendium.html.document import Document
from compendium.model import Chapter, Record

DOCX_NAME = "compendium.docx"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_IMAGE_WIDTH = Cm(15)
"""Widest an image is shown: the text width of an A4 page with Word's default margins."""
"""Every member of the file gets this date, so the same sources give the same bytes."""
BLOCKS = {"p", "li", "h2", "h3", "h4", "h5", "h6", "pre", "td", "th"}


def render_docx(document: Document, source_date: datetime.datetime | None) -> bytes:
    """Return the compendium as a Word file."""
    word = docx.Document()
    _front(word, document)
    for chapter in document.chapters:
        _chapter(word, chapter, document)
    if source_date is not None:
        stamp = source_date.replace(tzinfo=None)
        word.core_properties.created = word.core_properties.modified = stamp
    word.core_properties.title = document.edition.title
    word.core_properties.author = document.edition.publisher
    word.core_properties.revision = 1
    held = io.BytesIO()
    word.save(held)
    return _with_fixed_dates(held.getvalue())


def _front(word: WordDocument, document: Document) -> None:
    """Add the title, the draft note, the acronyms and the introduction."""
    edition = document.edition
    word.add_paragraph(edition.title, style="Title")
    if edition.subtitle:
        word.add_paragraph(edition.subtitle, style="Subtitle")
    word.add_paragraph(f"{edition.edition} edition. {edition.publisher}.")
    if document.stamp.draft:
        word.add_paragraph(f"Draft: sources {document.stamp.fingerprint}, "
                           f"{document.stamp.date[:10]}; not for publication.")
    if document.acronyms:
        word.add_heading("Acronyms", level=1)
        table = word.add_table(rows=0, cols=2)
        for acronym in document.acronyms:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = acronym.acronym, acronym.expansion
    if document.introduction:
        word.add_heading(edition.labels.introduction, level=1)
        add_html(word, document.introduction)


def _chapter(word: WordDocument, chapter: Chapter, document: Document) -> None:
    """Add one chapter: its heading, introduction, profiles and entries by period."""
    # The title alone, as the config gives it: Word numbers headings itself if asked to.
    word.add_heading(chapter.title, level=1)
    if chapter.slug in document.intros:
        add_html(word, document.intros[chapter.slug])
    for profile in chapter.profiles:
        _record(word, profile, document, 2)
    for group in chapter.groups:
        word.add_heading(group.label, level=2)
        for record in group.records:
            _record(word, record, document, 3)


def _record(word: WordDocument, record: Record, document: Document, level: int) -> None:
    """Add one record: its heading, contact details (profiles) and text."""
    if record.is_profile:
        word.add_heading(record.profile_title, level=level)
        for line in (record.mail_address or "", *(record.address or "").split("\n")):
            if line.strip():
                word.add_paragraph(line.strip())
    else:
        period = f", {record.period.label}" if record.period else ""
        facts = entities_line(record, document.edition.labels.partners) + period
        # The editor's title heads the entry, as in the HTML and PDF, the facts under it.
        word.add_heading(record.title or facts, level=level)
        if record.title:
            word.add_paragraph().add_run(facts).italic = True
    add_html(word, document.bodies[record.id])


def add_html(word: WordDocument, html: str) -> None:
    """Add a fragment of safe HTML (what render_body makes) as Word paragraphs."""
    writer = _Writer(word)
    writer.feed(html)
    writer.close()


@dataclass
class _Inline:
    """The character formatting in force, and the link being written."""

    bold: int = 0
    italic: int = 0
    code: int = 0
    href: str | None = None
    lists: list[str] = field(default_factory=list)


class _Writer(HTMLParser):
    """Write the elements of safe HTML as Word paragraphs and runs."""

    def __init__(self, word: WordDocument) -> None:
        super().__init__(convert_charrefs=True)
        self.word = word
        self.inline = _Inline()
        self.paragraph: Paragraph | None = None
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self.inline.lists.append(tag)
        elif tag in BLOCKS:
            self.paragraph = self.word.add_paragraph(style=self._style(tag))
        elif tag == "blockquote":
            self.quote += 1
        elif tag in ("strong", "b"):
            self.inline.bold += 1
        elif tag in ("em", "i"):
            self.inline.italic += 1
        elif tag == "code":
            self.inline.code += 1
        elif tag == "a":
            self.inline.href = dict(attrs).get("href")
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag == "img":
            found = dict(attrs)
            self._image(found.get("src") or "", found.get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.inline.lists:
            self.inline.lists.pop()
        elif tag in BLOCKS:
            self.paragraph = None
        elif tag == "blockquote":
            self.quote -= 1
        elif tag in ("strong", "b"):
            self.inline.bold -= 1
        elif tag in ("em", "i"):
            self.inline.italic -= 1
        elif tag == "code":
            self.inline.code -= 1
        elif tag == "a":
            self.inline.href = None

    def handle_data(self, data: str) -> None:
        if self.paragraph is None:
            if not data.strip():
                return  # white space between blocks
            self.paragraph = self.word.add_paragraph(style="Quote" if self.quote else None)
        if self.inline.href and self.inline.href.startswith(("http", "mailto:")):
            _add_hyperlink(self.paragraph, self.inline.href, data)
            return
        run = self.paragraph.add_run(data)
        run.bold = bool(self.inline.bold) or None
        run.italic = bool(self.inline.italic) or None
        if self.inline.code:
            run.font.name = "Courier New"

    def _image(self, src: str, alt: str) -> None:
        """Add an image (a `data:` URL, see html/images.py) with its alt text as its
        description; one Word cannot show (SVG, WebP) as its alt text in brackets."""
        if self.paragraph is None:
            self.paragraph = self.word.add_paragraph()
        data = base64.b64decode(src.split(",", 1)[1]) if src.startswith("data:") and \
            ";base64," in src else b""
        try:
            shape = self.paragraph.add_run().add_picture(io.BytesIO(data))
        # python-docx parses the image's headers itself, and a file Pillow reads may end
        # its parser in many ways (a truncated EXIF block: UnexpectedEndOfFileError).
        except Exception:
            self.paragraph.add_run(f"[{alt}]").italic = True
            return
        if shape.width > MAX_IMAGE_WIDTH:
            shape.height = Emu(int(shape.height * MAX_IMAGE_WIDTH / shape.width))
            shape.width = MAX_IMAGE_WIDTH
        shape._inline.docPr.set("descr", alt)

    def _style(self, tag: str) -> str | None:
        """Return the Word style of a block element."""
        if tag == "li":
            kind = "List Number" if self.inline.lists[-1:] == ["ol"] else "List Bullet"
            depth = min(len(self.inline.lists), 3)
            return kind if depth <= 1 else f"{kind} {depth}"
        if tag[0] == "h" and tag[1:].isdigit():
            return f"Heading {min(int(tag[1:]) + 1, 9)}"  # below the entry's own heading
        return "Quote" if self.quote else None


def _add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """Add ``text`` to ``paragraph`` as a link to ``url`` in Word's Hyperlink style."""
    rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(style)
    props.append(underline)
    run.append(props)
    body = OxmlElement("w:t")
    body.text = text
    body.set(qn("xml:space"), "preserve")
    run.append(body)
    link.append(run)
    paragraph._p.append(link)


def _with_fixed_dates(data: bytes) -> bytes:
    """Return the zip ``data`` with every member dated FIXED_ZIP_TIME, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in _members(source):
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def _members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    """Return the archive's members in their order."""
    yield from archive.infolist()
