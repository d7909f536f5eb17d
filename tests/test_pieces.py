"""A part laid out in pieces (pdf/flow.py) has exactly the pages one WeasyPrint render of
its HTML gives it, whatever the windows, and after an edit, with most pieces remembered."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from compendium import memo
from compendium.model import Pagination
from compendium.pdf import flow
from compendium.pdf.jobs import LaidPart, PdfJob
from compendium.pdf.layout import lay_out, typeset
from compendium.pdf.parts import PART_CSS, part_html, split_parts
from compendium.pdf.resume import Checkpoint, PartSource, elements_on, opening_element, resumed
from compendium.pdf.stream import PageStream
from compendium.pipeline import BuildRequest, make_print_job, run
from tests.conftest import ROOT
from tests.pageflow import read_pages

pytestmark = pytest.mark.slow

Words = list[tuple[tuple[float, float, str], ...]]


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PdfJob]:
    """Return the jobs of the parts of a synthetic edition of 300 records, by name."""
    project = tmp_path_factory.mktemp("pieces") / "p"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "300", str(project)],
                   check=True)
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out")
    built, _ = run(request, ())
    job = make_print_job(built)
    return {part.name: replace(job.base, html=part_html(part, job.document, job.templates,
                                                        Pagination()),
                               page_css=job.base.page_css + PART_CSS)
            for part in split_parts(job.document.chapters, job.document)}


def cold(job: PdfJob, cache: Path) -> LaidPart:
    """Lay out ``job`` in pieces with nothing remembered (not even in this process)."""
    memo.forget()
    return flow.lay_out_part(job, cache)


def words_of(pdfs: list[bytes], folder: Path) -> Words:
    """Return the words (x, y, text) of every page of ``pdfs``, read back by pdftotext."""
    pages: Words = []
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(pdfs):
        path = folder / f"piece-{n}.pdf"
        path.write_bytes(data)
        pages += [page.words for page in read_pages(path)]
    return pages


def longest(parts: dict[str, PdfJob]) -> PdfJob:
    return max((job for name, job in parts.items() if name.startswith("chapter-")),
               key=lambda job: len(job.html))


@pytest.mark.parametrize("name", ["longest chapter", "annex"])
def test_pieces_have_the_pages_of_one_render(parts: dict[str, PdfJob], name: str,
                                             tmp_path: Path) -> None:
    job = longest(parts) if name == "longest chapter" else parts["annex"]
    whole = words_of([typeset(job).data], tmp_path / "whole")
    laid = cold(job, tmp_path / "cache")
    assert len(laid.pieces) >= 2  # else nothing here is tested
    assert words_of([p.data for p in laid.pieces], tmp_path) == whole
    assert laid.pages == len(whole)


def test_small_windows_give_the_same_pages(parts: dict[str, PdfJob], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A window of a few pages runs out again and again: each time the next one takes the
    layout up from the last piece, and not a word moves."""
    job = longest(parts)
    monkeypatch.setattr(flow, "MAX_WINDOW", 12_000)
    monkeypatch.setattr(flow, "FIRST_WINDOW", 12_000)
    laid = cold(job, tmp_path / "cache")
    assert laid.fresh > laid.pages  # windows ran out and were taken up again
    whole = words_of([typeset(job).data], tmp_path / "whole")
    assert words_of([p.data for p in laid.pieces], tmp_path) == whole


PARAGRAPH = re.compile(r'<p id="([^"]+-p\d+)">')


def edited(html: str, paragraph: int, words: str) -> tuple[str, str]:
    """Return ``html`` with ``words`` added at the start of its ``paragraph``-th record
    paragraph (counted from 0), and that paragraph's id."""
    found = list(PARAGRAPH.finditer(html))[paragraph]
    return html[:found.end()] + words + " " + html[found.end():], found[1]


@pytest.mark.parametrize(("where", "words"), [
    (0.3, "Revised."), (0.6, "Revised: " + "a longer note " * 12), (0.97, "Revised.")])
def test_an_edit_lays_out_a_few_pages_and_gives_the_clean_bytes(
        parts: dict[str, PdfJob], tmp_path: Path, where: float, words: str) -> None:
    """An edit that moves no page break lays out again the piece it falls in and the next
    (up to where the layout meets the last one again); one that adds lines lays out until
    the page breaks fall where they fell before, which may be the end of the part. Either
    way, the pieces are those of a clean layout, byte for byte."""
    job = longest(parts)
    before = cold(job, tmp_path / "cache")
    html, paragraph = edited(job.html, int(len(PARAGRAPH.findall(job.html)) * where), words)
    changed = replace(job, html=html)
    again = flow.lay_out_part(changed, tmp_path / "cache")
    clean = cold(changed, tmp_path / "clean")
    assert [p.data for p in again.pieces] == [p.data for p in clean.pieces]
    whole = words_of([typeset(changed).data], tmp_path / "whole")
    assert words_of([p.data for p in again.pieces], tmp_path) == whole
    # Laid out again: from the start of the piece the edit falls in, every page that
    # differs from the last layout (up to where the page breaks fall in step again: the
    # pages after are the same), then the rest of the first window (FIRST_WINDOW characters
    # of HTML beyond the piece) and the piece and page after it.
    old = words_of([p.data for p in before.pieces], tmp_path / "old")
    first = next((n for n, (a, b) in enumerate(zip(old, whole, strict=False)) if a != b),
                 min(len(old), len(whole)))
    same_after = next(n for n in range(len(whole) + 1)
                      if n == min(len(old), len(whole)) - first or old[-1 - n] != whole[-1 - n])
    piece = next(n for n, p in enumerate(before.pieces) if paragraph in p.anchors)
    start = sum(p.pages for p in before.pieces[:piece])
    differ = len(whole) - same_after - first
    window = math.ceil(flow.FIRST_WINDOW / (len(job.html) / before.pages))
    bound = (first - start) + before.pieces[piece].pages + differ + window + \
        max(p.pages for p in before.pieces) + 2
    assert again.fresh <= bound, (again.fresh, first, differ, window, before.pages)
    if len(words) < 20 and differ == 0:  # an edit that moved no break: a few pages
        assert again.fresh < before.pages / 2, (again.fresh, before.pages)


def page_words(stream_pages: list[object]) -> list[list[tuple[float, float, str]]]:
    """Return the text boxes (x, y, text) of laid-out pages, margin boxes included."""
    return [[(round(box.position_x, 2), round(box.position_y, 2), box.text)
             for box in page._page_box.descendants()  # type: ignore[attr-defined]
             if type(box).__name__ == "TextBox"] for page in stream_pages]


FORCED = """<!DOCTYPE html><html lang="en"><body data-book="B"><main>
<section class="chapter" id="s"><h1 id="s-h">Sections</h1>
{}
</section></main></body></html>"""
"""A part whose sections open on a new page (or a right-hand one) with a top margin and a
padding of their own: kept at a forced break, where an unforced one truncates them."""


def forced_breaks(parts: dict[str, PdfJob]) -> PdfJob:
    """Return a part of sections that each force a page break."""
    text = " ".join(["Words that fill a few lines of a paragraph of the section."] * 9)
    sections = "\n".join(
        f'<section id="f{n}" style="break-before: {"right" if n % 3 else "page"}; '
        f'margin-top: 14mm; padding-top: 3mm"><h2 id="f{n}-h">Section {n}</h2>'
        + "".join(f'<p id="f{n}-p{k}">{text}</p>' for k in range(3 + n % 4)) + "</section>"
        for n in range(12))
    return replace(longest(parts), html=FORCED.format(sections))


@pytest.mark.parametrize("name", ["longest chapter", "annex", "preface", "forced breaks"])
def test_the_layout_resumed_at_any_checkpoint_is_the_parts(parts: dict[str, PdfJob],
                                                            name: str) -> None:
    """Every page that opens with an element of its own, whatever the element (a record, a
    paragraph, a period, an item of the annex, a section after a forced break), laid out
    again from there alone: its pages and the next two are those of the whole part, running
    heads included."""
    job = {"longest chapter": longest(parts),
           "forced breaks": forced_breaks(parts)}.get(name) or parts[name]
    whole = page_words(lay_out(job).pages)
    checkpoints = checkpoints_of(job)
    if name != "preface":
        assert len(checkpoints) >= 5
    step = max(1, len(checkpoints) // 12)  # a dozen, spread over the part
    for number, checkpoint in checkpoints[::step]:
        assert resumed_pages(job, checkpoint) == whole[number - 1:number + 2], \
            (number, checkpoint)


def test_a_page_opening_with_an_item_of_a_see_also_list_is_a_checkpoint(
        parts: dict[str, PdfJob]) -> None:
    """A long see-also list (a chapter's last pages) is taken up again at any item: an edit
    near a chapter's end does not lay the whole list out again."""
    job = max((job for name, job in parts.items() if name.startswith("chapter-")),
              key=lambda job: job.html.count('<li id="see-also-'))
    whole = page_words(lay_out(job).pages)
    items = [(number, checkpoint) for number, checkpoint in checkpoints_of(job)
             if str(checkpoint.element).startswith("see-also-")]
    assert items  # the list runs over a page at 300 records
    for number, checkpoint in items[:3]:
        assert resumed_pages(job, checkpoint) == whole[number - 1:number + 2], \
            (number, checkpoint)


def checkpoints_of(job: PdfJob) -> list[tuple[int, Checkpoint]]:
    """Return the pages of ``job`` laid out whole that open with an element of their own."""
    stream = PageStream(job.html, job.project.as_uri() + "/", *_styles(job))
    checkpoints: list[tuple[int, Checkpoint]] = []
    seen: set[int] = set()
    for number, page in enumerate(stream.pages(), start=1):
        box = page._page_box
        opening = opening_element(box, seen) if number > 1 else None
        seen |= elements_on(box)
        if opening is not None:
            strings = tuple(sorted(stream.strings_before(number).items()))
            checkpoints.append((number, Checkpoint(
                opening.element, box.page_type.side == "right", strings, opening.forced)))
    return checkpoints


def resumed_pages(job: PdfJob, checkpoint: Checkpoint) -> list[list[tuple[float, float, str]]]:
    """Return the words of the first three pages of ``job`` laid out from ``checkpoint``."""
    html, dropped = resumed(PartSource(job.html), checkpoint, None)
    again = PageStream(html, job.project.as_uri() + "/", *_styles(job))
    pages = []
    for n, page in enumerate(again.pages(), start=1):
        if n > dropped:
            pages.append(page)
        if len(pages) == 3:
            break
    return page_words(pages)


def _styles(job: PdfJob) -> tuple[object, list[object], object]:
    from weasyprint import CSS

    from compendium.fonts import needs_script_faces
    from compendium.pdf.layout import parsed_styles
    from compendium.pdf.resume import RESUMED_CSS

    styles = parsed_styles(job.project, job.stylesheets, needs_script_faces(job.html))
    sheets = [*styles.sheets, CSS(string=job.page_css + RESUMED_CSS, font_config=styles.fonts,
                                  url_fetcher=styles.fetcher)]
    return styles.fetcher, sheets, styles.fonts


def test_an_id_given_twice_names_no_checkpoint() -> None:
    source = PartSource('<html><body><p id="a">x</p><p id="b">y</p><p id="b">z</p>'
                        '<p id="c">w</p></body></html>')
    assert source.has("a") and source.has("c")
    assert not source.has("b")
    assert source.after("a", 1) == "c"  # the window's end is never a doubled id


def test_each_part_keeps_its_first_piece_however_many_parts(parts: dict[str, PdfJob],
                                                            tmp_path: Path) -> None:
    """Every part starts at the same checkpoint (the part's start, with the same head): a
    part's first pieces must not be pushed out of the index by the other parts'."""
    base = parts["contents"]
    head = base.html[:base.html.index("<body")]
    many = [replace(base, html=f'{head}<body><section id="part-{n}"><h1>Part {n}</h1>'
                               f'<p>{f"Words of part {n}. " * 40}</p></section></body></html>')
            for n in range(flow.KEPT_VERSIONS + 2)]
    for job in many:
        cold(job, tmp_path / "cache")
    memo.forget()  # a new process: only the disk
    again = [flow.lay_out_part(job, tmp_path / "cache").fresh for job in many]
    assert again == [0] * len(many)


def test_a_warning_stays_with_the_piece_whose_pages_gave_it(parts: dict[str, PdfJob],
                                                             tmp_path: Path) -> None:
    """A piece remembers the warnings of its own pages, not its window's: once the record
    that gave one is fixed, the pieces the cache has beside it do not give it again (a
    publication build, which stops on any warning, would stop on it forever)."""
    job = longest(parts)
    first = PARAGRAPH.search(job.html)
    assert first is not None
    broken = '<img src="data:image/png;base64,bm90IGFuIGltYWdl" alt="a broken image">'
    with_image = replace(job, html=job.html[:first.end()] + broken + job.html[first.end():])
    laid = cold(with_image, tmp_path / "cache")
    said = [n for n, piece in enumerate(laid.pieces) if piece.warnings]
    assert said == [0] and len(laid.pieces) > 5, said
    fixed = flow.lay_out_part(job, tmp_path / "cache")
    assert fixed.warnings == () and fixed.fresh < laid.pages // 2


@pytest.fixture()
def apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Draw every piece in a forked process (as a worker does while no other lays a part
    out); return the processes forked, as they are."""
    from compendium.pdf import drawing
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(drawing, "SCRATCH", [scratch])
    monkeypatch.setenv("COMPENDIUM_DRAW_APART", drawing.APART_ALWAYS)
    forked: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid
    monkeypatch.setattr(os, "fork", counted)
    return forked


def test_pieces_drawn_apart_are_those_drawn_in_turn(parts: dict[str, PdfJob], tmp_path: Path,
                                                     apart: list[int]) -> None:
    """Drawn in processes forked while the layout goes on, a part's pieces, and those of an
    edit that adds lines (laid out again to where the breaks fall in step), are the bytes,
    anchors and warnings of drawing each in turn."""
    from compendium.pdf import drawing
    job = longest(parts)
    html, _ = edited(job.html, len(PARAGRAPH.findall(job.html)) // 2,
                     "Revised: " + "a longer note " * 12)
    changed = replace(job, html=html)
    laid = cold(job, tmp_path / "apart")
    again = flow.lay_out_part(changed, tmp_path / "apart")
    assert len(apart) >= 2 and again.fresh > 0
    with pytest.MonkeyPatch.context() as turn:
        turn.setattr(drawing, "SCRATCH", [])
        for was, clean in ((laid, cold(job, tmp_path / "turn")),
                           (again, cold(changed, tmp_path / "turn-edit"))):
            assert [p.data for p in was.pieces] == [p.data for p in clean.pieces]
            assert [p.anchors for p in was.pieces] == [p.anchors for p in clean.pieces]
            assert was.warnings == clean.warnings and was.keys == clean.keys


def test_a_warning_drawn_apart_stays_with_its_piece(parts: dict[str, PdfJob], tmp_path: Path,
                                                     apart: list[int]) -> None:
    job = longest(parts)
    first = PARAGRAPH.search(job.html)
    assert first is not None
    broken = '<img src="data:image/png;base64,bm90IGFuIGltYWdl" alt="a broken image">'
    laid = cold(replace(job, html=job.html[:first.end()] + broken + job.html[first.end():]),
                tmp_path / "cache")
    assert apart and [n for n, piece in enumerate(laid.pieces) if piece.warnings] == [0]
