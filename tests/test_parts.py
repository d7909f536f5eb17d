"""The PDF laid out in parts: cut between records, joined with nothing lost or doubled."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from compendium import memo
from compendium.errors import RenderError
from compendium.model import Pagination
from compendium.pdf import joining
from compendium.pdf import run as print_run
from compendium.pdf.jobs import PdfJob, render_pdf
from compendium.pdf.joining import Joining, Piece, join_pieces
from compendium.pdf.numbers import sheet_lines
from compendium.pdf.parts import FOREIGN_LINK, part_html, split_parts
from compendium.pdf.subsets import SubsetMerger
from compendium.pdf.tags import GROUPING, PLAIN_KEYS
from compendium.pipeline import BuildRequest, make_print_job, run
from tests.conftest import (
    ROOT,
    copy_project,
    not_exactly_once,
    page_labels,
    pdf_page_texts,
    pdf_text,
    run_cli,
)
from tests.glyphs import wrong_glyphs
from tests.test_build_e2e import record_texts
from tests.test_publication import tagged_mcids

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def parted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the shipped records' publication PDF."""
    project = copy_project(tmp_path_factory.mktemp("parted") / "p", sources=ROOT / "sources")
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out", formats=frozenset({"pdf"}), draft=False)
    built, _ = run(request)  # a publication build: any warning (a dangling link) fails it
    assert built.printing.print_run is not None and len(built.printing.print_run.parts) > 6
    return project / "out" / "compendium.pdf"


def test_parts_are_the_books_divisions_each_chapter_whole() -> None:
    project = ROOT
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=Path("/nonexistent"))
    built, _ = run(request, ())
    job = make_print_job(built)
    parts = split_parts(job.document.chapters, job.document)
    chapters = [p.chapter for p in parts if p.kind == "chapters"]
    assert chapters == list(job.document.chapters)  # one part a chapter, see-also inside
    assert [p.kind for p in parts[:3]] == ["title", "contents", "preface"]
    assert [p.kind for p in parts[-3:]] == ["annex", "index", "index-countries"]
    # What a chapter prints does not depend on where the others fall.
    assert not any(p.paginated for p in parts if p.kind in ("chapters", "annex"))


def _annex_html(project: Path) -> str:
    """Return the HTML of ``project``'s annex of sources, as the PDF lays it out."""
    memo.forget()
    built, _ = run(BuildRequest(config=project / "compendium.yml",
                                sources=project / "sources", out=project / "out"), ())
    job = make_print_job(built)
    annex = next(p for p in split_parts(job.document.chapters, job.document)
                 if p.kind == "annex")
    return part_html(annex, job.document, job.templates, Pagination())


def test_an_edit_to_a_records_text_leaves_the_annex_as_it_was(tmp_path: Path) -> None:
    """The annex names each record without quoting it: an edit to a record's first words
    (which a quote would show) leaves the annex's HTML, and so its pages, as they were."""
    project = copy_project(tmp_path / "p", sources=ROOT / "sources")
    before = _annex_html(project)
    for record in sorted((project / "sources").rglob("iom-*.md"))[:3]:
        text = record.read_text(encoding="utf-8")
        cut = text.index("\n---\n", 3) + len("\n---\n")
        record.write_text(text[:cut] + "Revised at length in its opening words. " +
                          text[cut:] + "\nAnd a paragraph added at its end.\n",
                          encoding="utf-8")
    assert _annex_html(project) == before
    # The entries made from a page, named once for all that read alike, by number.
    assert re.search(r'IOM</span>: <a href="[^"]+"><span class="entry-number">2\.\d+</span></a>, '
                     r'<a href="[^"]+"><span class="entry-number">2\.\d+</span></a>', before)


def test_parted_pdf_has_every_record_text_once(parted: Path) -> None:
    text = pdf_text(parted)  # running heads and page numbers cropped off
    assert not_exactly_once(text, record_texts()) == {}
    assert "(continued)" not in text


def test_links_between_parts_land_on_their_anchor(parted: Path) -> None:
    pdf = pikepdf.open(parted)
    names = pdf.Root.Names.Dests.Names
    dests = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    texts = pdf_page_texts(parted)
    links = 0
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", ()):
            if "/Dest" not in annotation:
                assert not str(annotation.get("/A", {}).get("/URI", "")).startswith("compendium:")
                continue
            links += 1
            target = dests[str(annotation.Dest)]
            assert target[0].objgen in pages
    assert links > 100  # contents, see-also lists, index and annex
    # The contents' last entry (the annex) is on the page its number names.
    labels = page_labels(parted)
    annex = dests["annex-sources"]
    assert "Annex: sources" in texts[pages[annex[0].objgen]]
    assert labels[pages[annex[0].objgen]].isdigit()


def test_outline_nests_each_chapters_periods_under_it(parted: Path) -> None:
    pdf = pikepdf.open(parted)
    with pdf.open_outline() as outline:
        top = [item.title for item in outline.root]
        iom = next(item for item in outline.root if "(IOM)" in item.title)
        periods = [child.title for child in iom.children]
    assert top[:4] == ["Acronyms", "Introduction", "Methodology", "The compendium in figures"]
    assert top[-3:] == ["Annex: sources", "Index of entities", "Index of countries"]
    assert "2014" in periods
    assert not any("continued" in title for title in periods)


def test_parted_pdf_is_tagged_whole(parted: Path) -> None:
    tagged = tagged_mcids(parted)
    texts = pdf_page_texts(parted)
    pdf = pikepdf.open(parted)
    for number, page in enumerate(pdf.pages, start=1):
        operations = pikepdf.parse_content_stream(page)
        mcids = {int(op.operands[1].MCID) for op in operations
                 if op.operator == pikepdf.Operator("BDC") and "/MCID" in op.operands[1]}
        assert mcids <= tagged.get(page.obj.objgen[0], set()), number
        artifacts = [op for op in operations if op.operator == pikepdf.Operator("BMC")
                     and op.operands[0] == pikepdf.Name.Artifact]
        # The page number, drawn over every page but the title pages (cover, title page,
        # imprint) and the versos left blank.
        assert artifacts or number <= 4 or not texts[number - 1].strip(), number
    keys = [int(k) for k in pdf.Root.StructTreeRoot.ParentTree.Nums[::2]]
    assert len(keys) == len(set(keys))  # each part's keys renumbered, none shared
    plain_groups = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and
                    o.get("/S") in GROUPING and set(o.keys()) <= PLAIN_KEYS]
    assert plain_groups == []  # collapsed into their parents (tags.py)
    references = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and
                  o.get("/Type") == pikepdf.Name.OBJR]
    assert references == []  # inside their elements
    subprocess.run(["qpdf", "--check", str(parted)], check=True, capture_output=True)


def test_the_join_refuses_a_part_missing_pages(tmp_path: Path) -> None:
    part = render_pdf(PdfJob(html="<p>One</p><p style='break-before: page'>Two</p>",
                             project=tmp_path))
    assert part.pages == 2
    with pytest.raises(RenderError, match="part 1 has 2 pages in its file, 3 when laid out"):
        join_pieces([Piece(part.data, 3, False)], [], [None, None, None], 0)


@pytest.mark.slow
def test_the_join_folds_each_faces_subsets_into_one_and_empties_the_others(
        tmp_path: Path) -> None:
    texts = ["Alpha bravo", "Xylophone quartz jewels", "Kayak 1234567890 vivid"]
    parts = [render_pdf(PdfJob(html=f"<p>{text}</p><p><b>{text.upper()}</b></p>",
                               project=tmp_path)) for text in texts]
    pieces = [Piece(part.data, part.pages, False) for part in parts]
    joined = join_pieces(pieces, [], [None] * len(pieces), 0)
    pdf = pikepdf.open(io.BytesIO(joined.data))
    fonts = {font.objgen: str(font.BaseFont) for page in pdf.pages
             for font in page.Resources.Font.values()}
    faces = [name.split("+")[1] for name in fonts.values()]
    assert len(faces) == len(set(faces)) == 2  # regular and bold, each once
    path = tmp_path / "joined.pdf"
    path.write_bytes(joined.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    for expected in texts:  # every glyph drawn from the one merged subset
        assert expected in text and expected.upper() in text
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)

    out = pikepdf.open(io.BytesIO(parts[0].data))
    merger = SubsetMerger(out)
    merger.fold(out.pages)
    with pikepdf.open(io.BytesIO(parts[1].data)) as second:
        copied = [font.objgen for font in second.pages[0].Resources.Font.values()]
        out.pages.extend(second.pages)
    copied_fonts = list(out.pages[1].Resources.Font.values())
    assert len(copied) == 2
    kept = {font.objgen for font in out.pages[0].Resources.Font.values()}
    assert not kept & {font.objgen for font in copied_fonts}
    merger.fold(out.pages[1:])
    assert {font.objgen for font in out.pages[1].Resources.Font.values()} == kept
    assert all(len(font.keys()) == 0 for font in copied_fonts)  # emptied: qpdf lets go
    assert merger.finish() == 2


@pytest.mark.slow
@pytest.mark.parametrize("texts", [["Bär", "Māori"], ["Māori", "Bär"], ["Ça – où ?", "naïve Å"]])
def test_every_glyph_of_a_folded_subset_is_the_faces_own(tmp_path: Path,
                                                          texts: list[str]) -> None:
    """A subset keeps each glyph's id, the components of accented letters included (the
    diaeresis of "ä" lies far beyond it in the face): the fold takes glyphs by id, and any
    glyph moved to a free id would draw another's outline ("ā" is the id after "ä")."""
    parts = [render_pdf(PdfJob(html=f"<p style='font-family: Source Serif Pro'>{text}</p>",
                               project=tmp_path)) for text in texts]
    for part in parts:
        assert wrong_glyphs(part.data) == []
    joined = join_pieces([Piece(p.data, p.pages, False) for p in parts], [],
                         [None] * len(parts), 0)
    assert wrong_glyphs(joined.data) == []


@pytest.mark.slow
def test_the_join_writes_the_same_bytes_with_its_parts_kept_open_or_closed_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small book's parts stay open until the file is written; a large one's streams are
    copied page by page and each part closed at once (memory); in a process that ends after
    the join, a small book's objects are left for the end: the same file every way."""
    texts = ["Alpha bravo", "Xylophone quartz jewels", "Kayak 1234567890 vivid"]
    parts = [render_pdf(PdfJob(html=f"<h1 id='h{n}'>{text}</h1>"
                                    f"<p><a href='#h0'>{text}</a> <b>{text}</b></p>",
                               project=tmp_path))
             for n, text in enumerate(texts)]
    pieces = [Piece(part.data, part.pages, False) for part in parts]
    joined = {}
    monkeypatch.setattr(joining, "_LEFT_TO_THE_END", [])  # what it leaves goes with the test
    for limit in (0, 1 << 40):  # every part closed at once; every part kept open
        monkeypatch.setattr(joining, "OWN_STREAMS_FROM", limit)
        for ending in (False, True):
            left = len(joining._LEFT_TO_THE_END)
            joined[limit, ending] = join_pieces(pieces, [], [None] * len(pieces), 0,
                                                ending=ending).data
            # Only a small book's objects are left, and only when the process ends.
            assert len(joining._LEFT_TO_THE_END) - left == (ending and limit > 0)
    assert len(set(joined.values())) == 1
    path = tmp_path / "joined.pdf"
    path.write_bytes(joined[0, False])
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def _as_objects(pdf: bytes) -> bytes:
    """Return ``pdf`` written again with its objects numbered as qpdf reaches them, one by
    one (no object streams) and a fixed identifier, without the comments that give their
    old numbers: two files with the same objects give the same bytes, however their
    objects were numbered."""
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(buffer, qdf=True, static_id=True,
                      object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return re.sub(rb"(?m)^%% Original object ID: .*\n", b"", buffer.getvalue())


@pytest.mark.slow
def test_pieces_joined_in_any_order_make_the_same_book(tmp_path: Path) -> None:
    """The build joins the pieces the cache has while the workers lay out the others: each
    goes to its place whatever order they come in. The same objects (pages, tags and their
    numbers, outline, links, blank pages, fonts folded), numbered otherwise."""
    texts = ["Alpha bravo", "Xylophone – quartz", "Kayak “vivid” Zürich", "Māori naïve"]
    parts = [render_pdf(PdfJob(html=f"<html lang='en'><body style='font-family: Source Serif "
                                    f"Pro'><h1 id='h{n}'>{text}</h1><p><a href='"
                                    f"{FOREIGN_LINK}h{(n + 1) % 4}'>{text}</a> <b>{text}</b> "
                                    f"<i>{text}</i></p><p style='break-before: page'>{text} "
                                    "again</p>",
                               project=tmp_path))
             for n, text in enumerate(texts)]
    pieces = [Piece(part.data, part.pages, n == 2) for n, part in enumerate(parts)]
    pages = sum(part.pages for part in parts) + 1
    in_order = join_pieces(pieces, [], [None] * pages, 0)
    assert in_order.warnings == ()  # every link lands
    for order in ([3, 2, 1], [2, 3, 1], [1, 3, 2]):
        joining = Joining(pieces[0], (0,))
        for n in order:
            joining.add((n,), pieces[n])
        joined = joining.finish([(n,) for n in range(4)], {(2,)}, [], [None] * pages, 0)
        assert joined.pages == pages
        assert _as_objects(joined.data) == _as_objects(in_order.data), order
    assert wrong_glyphs(in_order.data) == []
    with pytest.raises(RenderError, match="given the pieces part 1; part 3, not part 1; "
                                          "part 2; part 3"):
        joining = Joining(pieces[0], (0,))
        joining.add((2,), pieces[2])
        joining.finish([(0,), (1,), (2,)], set(), [], [None] * 4, 0)


@pytest.mark.slow
def test_the_join_keeps_one_copy_of_a_font_it_cannot_merge(tmp_path: Path) -> None:
    # Chinese falls back to Noto Serif CJK, a CFF face: each piece embeds the same subset.
    parts = [render_pdf(PdfJob(html=f"<p lang='zh'>中文 part {n}</p>", project=tmp_path))
             for n in range(3)]
    joined = join_pieces([Piece(part.data, part.pages, False) for part in parts], [],
                         [None] * 3, 0)
    path = tmp_path / "joined.pdf"
    path.write_bytes(joined.data)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    cjk = [line for line in fonts if "CJK" in line]
    assert len(cjk) == 1, fonts
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert all(f"中文 part {n}" in text for n in range(3))


def test_links_to_other_pieces_land_and_a_link_to_no_anchor_is_named(tmp_path: Path) -> None:
    first = render_pdf(PdfJob(html=f'<p><a href="{FOREIGN_LINK}there">there</a> and '
                                   f'<a href="{FOREIGN_LINK}nowhere">nowhere</a></p>',
                              project=tmp_path))
    second = render_pdf(PdfJob(html='<h2 id="there">There</h2>', project=tmp_path))
    joined = join_pieces([Piece(first.data, 1, False), Piece(second.data, 1, False)], [],
                         [None, None], 0)
    assert joined.warnings == ("no anchor 'nowhere' for a link",)
    pdf = pikepdf.open(io.BytesIO(joined.data))
    names = pdf.Root.Names.Dests.Names
    dests = {str(name): dest for name, dest in zip(names[::2], names[1::2], strict=True)}
    links = {str(a.Dest): a for a in pdf.pages[0].Annots}
    assert set(links) == {"there", "nowhere"} and "/A" not in links["there"]
    assert dests["there"][0].objgen == pdf.pages[1].obj.objgen  # lands on the second page


def test_a_template_printing_a_part_twice_is_refused(
        small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ``title`` part that prints the contents too (as a template written before the parts
    had files of their own did): the build names the template and the doubled anchor, writes
    nothing, and the PDF a good build wrote stays."""
    assert run_cli(small_project, "build", "--format", "pdf") == 0
    good = (small_project / "out" / "compendium.pdf").read_bytes()
    template = small_project / "templates" / "compendium.html.j2"
    parts = small_project / "templates" / "parts"
    (parts / "title.html.j2").write_text((parts / "title.html.j2").read_text() +
                                         (parts / "contents.html.j2").read_text())
    capsys.readouterr()
    assert run_cli(small_project, "build", "--format", "pdf") == 1
    error = capsys.readouterr().err
    assert f"error: {template}: the PDF parts 'title' and 'contents' both hold #toc-heading" \
        in error, error
    assert (small_project / "out" / "compendium.pdf").read_bytes() == good


def test_a_part_without_its_template_is_refused(
        small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page template renders each part from its own file: a part whose file is missing is
    named, not rendered as another part."""
    missing = small_project / "templates" / "parts" / "annex.html.j2"
    missing.unlink()
    assert run_cli(small_project, "build", "--format", "pdf") == 1
    error = capsys.readouterr().err
    assert f"error: {missing}: template not found" in error, error
    assert not (small_project / "out" / "compendium.pdf").exists()


def foot_words(pdf: Path) -> list[dict[str, tuple[float, float, float, float]]]:
    """Return, for each page, the words in its bottom margin with their boxes (pdftotext)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page)[1])  # type: ignore[index]
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">([^<]*)</word>', page)
        pages.append({text: (float(a), float(b), float(c), float(d))
                      for a, b, c, d, text in words if float(b) > height - 60})
    return pages


def test_every_page_prints_its_label_where_weasyprint_sets_a_page_number(
        small_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each number, cut from a folio sheet, lands exactly where WeasyPrint sets the number of
    a page of its own, across sheets (made small here), roman and arabic; the cover has none."""
    monkeypatch.setattr(print_run, "FOLIO_BLOCK", 4)
    assert run_cli(small_project, "build", "--format", "pdf", "--publication") == 0
    pdf = small_project / "out" / "compendium.pdf"
    labels = page_labels(pdf)
    assert labels.index("1") > 4 and len(labels) - labels.index("1") > 9  # several sheets each
    feet = foot_words(pdf)
    texts = pdf_page_texts(pdf)
    assert feet[0] == feet[-1] == {}  # the covers, front and back
    # The title pages (cover, title page, imprint) are counted, and carry no number.
    assert labels[:4] == ["i", "ii", "iii", "iv"] and feet[:4] == [{}] * 4
    for label, words, text in list(zip(labels, feet, texts, strict=True))[4:-1]:
        # Versos left blank before a right-hand opening carry no number.
        assert list(words) == ([label] if text.strip() else []), label
    styles = tuple(small_project / "styles" / name for name in ("common.css", "print.css"))
    printed = [label for label, words in zip(labels, feet, strict=True) if words]
    # Numbers of several sheets, roman and arabic, the last one too, on both sides: a
    # left-hand page has its number under its text, moved across with the margins.
    chosen = (printed[0], printed[1], printed[3], printed[4], "1", "6", "7", printed[-1])
    assert {labels.index(label) % 2 for label in chosen} == {0, 1}
    for label in chosen:
        style, number = ("decimal", int(label)) if label.isdigit() else \
            ("lower-roman", labels.index(label) + 1)
        side = labels.index(label) % 2  # the book opens on a right-hand page
        alone = render_pdf(PdfJob(
            html="<html><body><p>x</p><p style='break-before: page'>x</p></body></html>",
            project=small_project, stylesheets=styles,
            page_css="@page { size: A4; "
                     f"@bottom-center {{ content: counter(page, {style}); }} }} "
                     f"@page :first {{ counter-reset: page {number - side}; }}", tagged=False))
        (small_project / "alone.pdf").write_bytes(alone.data)
        reference = foot_words(small_project / "alone.pdf")[side]
        assert reference == feet[labels.index(label)], label


def test_a_folio_sheet_drawn_otherwise_is_refused(tmp_path: Path) -> None:
    """A sheet whose numbers are not set line by line as expected stops the join."""
    sheet = render_pdf(PdfJob(html="<p>1</p><p style='break-before: page'>2 3</p>",
                              project=tmp_path, tagged=False))
    with pytest.raises(RenderError, match="folio sheet is not laid out as the join expects"):
        sheet_lines(pikepdf.open(io.BytesIO(sheet.data)))


ARABIC = ("<p dir='rtl' lang='ar' style='font-family: Source Serif Pro, Noto Naskh Arabic'>"
          "تقرير منظمة الصحة العالمية (WHO, 2021) عن العنف</p>")


@pytest.mark.slow
@pytest.mark.parametrize("arabic_at", [0, 1, 2])
def test_a_glyph_drawn_mirrored_right_to_left_keeps_its_text_in_the_book(
        tmp_path: Path, arabic_at: int) -> None:
    """Right to left, ")" is drawn with the glyph of "(" and "(" with that of ")": the piece
    holding an Arabic paragraph maps each glyph to the other character. The joined book's
    text says what most pieces say, whichever comes first: every Latin ")" stays ")"."""
    latin = ["<p style='font-family: Source Serif Pro'>Alpha (one) and (two).</p>",
             "<p style='font-family: Source Serif Pro'>Bravo (three) and (four).</p>"]
    htmls = [*latin[:arabic_at], ARABIC, *latin[arabic_at:]]
    parts = [render_pdf(PdfJob(html=html, project=tmp_path)) for html in htmls]
    joined = join_pieces([Piece(p.data, p.pages, False) for p in parts], [],
                         [None] * len(parts), 0)
    path = tmp_path / "joined.pdf"
    path.write_bytes(joined.data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    for words in ("(one)", "(two)", "(three)", "(four)"):
        assert words in text, text
