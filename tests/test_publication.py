"""The publication PDF: fonts, typography, front and back matter, charts, PDF/UA, PDF/A.

Everything is read back from real PDFs (pdftotext, pdffonts, pypdf, qpdf) or from
WeasyPrint's own layout of the same job.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest

from compendium.html.charts import Charts
from compendium.pipeline import BuildRequest, make_pdf_job, run
from compendium.records.countries import country_names
from tests.conftest import (
    ROOT,
    RecordFactory,
    copy_project,
    fingerprint,
    page_labels,
    pdf_page_texts,
    run_cli,
)
from tests.pageflow import read_pages
from tests.test_html_draft import shipped_records


@pytest.fixture(scope="session")
def publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the shipped sources built for publication (PDF/UA-1)."""
    out = tmp_path_factory.mktemp("publication")
    assert run_cli(ROOT, "build", "--publication", "--format", "pdf", "--out", str(out)) == 0
    return out / "compendium.pdf"


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the shipped sources built for the archive (PDF/A-3u with attachments)."""
    out = tmp_path_factory.mktemp("archive")
    assert run_cli(ROOT, "build", "--pdfa", "--format", "pdf", "--out", str(out)) == 0
    return out / "compendium.pdf"


def fonts_of(pdf: Path) -> list[list[str]]:
    """Return pdffonts' rows: name, type, encoding, emb, sub, uni, ..."""
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    return [row.split() for row in rows]


def xmp(pdf: Path) -> str:
    """Return the PDF's XMP metadata."""
    root = pypdf.PdfReader(pdf).trailer["/Root"]
    return str(root["/Metadata"].get_object().get_data().decode())


# --- Fonts -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_only_our_fonts_embedded_and_subset(publication: Path, shipped_build: Path) -> None:
    for pdf in (publication, shipped_build / "compendium.pdf"):
        rows = fonts_of(pdf)
        assert rows
        for row in rows:
            name = row[0].split("+")[-1]
            assert name.startswith(("Source-Serif-Pro", "Source-Sans-Pro")), row
            assert "Oblique" not in name, row  # a face synthesized for a missing glyph
            assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, unicode


@pytest.mark.slow
def test_a_character_our_fonts_lack_fails_publication(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Whether the machine has a font for it (then a foreign font would be embedded) or not
    (then a blank box is drawn), a glyph missing from our fonts is reported."""
    make_record(id="glyphs", body="The 中文 programme and the ∰ sign.")
    assert run_cli(project, "build", "--format", "pdf") == 0  # a draft reports it
    reported = [m for m in caplog.messages if "is not one of the compendium's" in m
                or ".notdef glyph" in m]
    assert reported
    (project / "out").rename(project / "draft-out")
    assert run_cli(project, "build", "--publication", "--format", "pdf") == 1
    err = capsys.readouterr().err
    assert "a publication build allows no warning" in err and "nothing was written" in err
    assert not (project / "out" / "compendium.pdf").exists()


# --- Typography ------------------------------------------------------------------------------

def laid_out(config: Path = ROOT / "compendium.yml", sources: Path = ROOT / "sources") -> Any:
    """Return WeasyPrint's layout of the publication PDF of ``sources``."""
    from compendium.pdf.layout import lay_out  # WeasyPrint: loaded by the slow tests only

    request = BuildRequest(config=config, sources=sources, out=Path("unused"),
                           formats=frozenset({"pdf"}), draft=False)
    build, _ = run(request, ())
    return lay_out(make_pdf_job(build))


def blocks(document: Any) -> list[tuple[int, str, str, Any]]:
    """Return (page, tag, class, box) for every element box, in reading order."""
    found = []

    def walk(box: Any, page: int) -> None:
        if getattr(box, "element", None) is not None and getattr(box, "element_tag", None):
            found.append((page, box.element_tag, box.element.get("class") or "", box))
        for child in getattr(box, "children", []):
            walk(child, page)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number)
    return found


@pytest.fixture(scope="module")
def layout() -> Any:
    return laid_out()


@pytest.mark.slow
def test_entry_headings_stay_with_their_text(layout: Any) -> None:
    """No entry heading ends a page: its first line of text is on the same page."""
    found = blocks(layout)
    separated = []
    for i, (page, tag, _, box) in enumerate(found):
        if tag in ("h1", "h2", "h3"):
            # The first box after it that holds text (a list's own box may start empty).
            after = next(((p, t) for p, t, _, b in found[i + 1:] if t in ("p", "li", "dt",
                                                                              "h2", "h3")
                          and b.element is not box.element), None)
            if after and after[0] != page:
                separated.append((page, box.element.get("id")))
    assert separated == []


@pytest.mark.slow
def test_no_widows_or_orphans(layout: Any) -> None:
    """A paragraph split across pages leaves at least 2 lines on each (orphans/widows: 2):
    no line alone at a page's foot or head."""
    lines: dict[Any, list[int]] = {}
    for _page, tag, _, box in blocks(layout):
        if tag == "p" and type(box).__name__ == "BlockBox":
            count = sum(1 for child in box.children if type(child).__name__ == "LineBox")
            lines.setdefault(box.element, []).append(count)
    split = {e.get("id"): counts for e, counts in lines.items() if len(counts) > 1}
    assert split, "expected at least one paragraph split across pages in 38 pages"
    assert all(min(counts) >= 2 for counts in split.values()), split


def line_texts(box: Any) -> list[str]:
    """Return the text of each line box under ``box``, in order."""
    if type(box).__name__ == "LineBox":
        return ["".join(getattr(b, "text", "") for b in box.descendants())]
    return [line for child in getattr(box, "children", ()) for line in line_texts(child)]


@pytest.mark.slow
def test_a_line_is_never_cut_after_its_first_word_for_want_of_a_spaces_width() -> None:
    """WeasyPrint 70 counted the space before a marked name against the line: the text
    before it, when it ended a space's width from the margin, was cut after its first word
    ("Through" alone on an indented line, the sentence below it). The same paragraph, in
    measures a quarter point apart, meets every such ending."""
    from compendium.pdf.jobs import PdfJob
    from compendium.pdf.layout import lay_out

    text = ("Through coordination calls, capacity-building initiatives, and deployments, "
            '<span class="name">IOM</span> has provided support to 40 missions, with '
            "<abbr>UNFPA</abbr> and <abbr>UNHCR</abbr> in each of them.")
    measures = [300 + q / 4 for q in range(480)]
    paragraphs = "".join(f'<p style="width: {w}pt">{text}</p>' for w in measures)
    html = (f'<html lang="en"><body><section class="chapter"><article class="record entry">'
            f'<p>First.</p>{paragraphs}</article></section></body></html>')
    job = PdfJob(html=html, project=ROOT, stylesheets=(
        ROOT / "styles" / "common.css", ROOT / "styles" / "print.css"),
        page_css="@page { size: A4; }")
    cut = []
    for page in lay_out(job).pages:
        for box in page._page_box.descendants():
            if type(box).__name__ == "BlockBox" and box.element_tag == "p":
                lines = line_texts(box)
                if len(lines) > 1 and len(lines[0].split()) == 1:
                    cut.append((box.width, lines[:2]))
    assert not cut, cut[:3]


@pytest.mark.slow
def test_text_is_hyphenated_in_english(publication: Path) -> None:
    raw = subprocess.run(["pdftotext", "-raw", str(publication), "-"], capture_output=True,
                         text=True, check=True).stdout
    broken = re.findall(r"\b([A-Za-z]+)-\n([a-z]+)", raw)
    corpus = " ".join(r.body for r in shipped_records())
    soft = [(a, b) for a, b in broken if f"{a}-{b}" not in corpus and a + b in corpus]
    assert len(soft) >= 5, soft
    # Where the American patterns allow: the British ones cut "viol-ence", "dir-ectly".
    import pyphen
    american = pyphen.Pyphen(lang="en_US", left=3, right=3)
    wrong = [f"{a}-{b}" for a, b in soft
             if len(a) not in american.positions((a + b).lower())]
    assert not wrong, wrong


@pytest.mark.slow
def test_letter_paper_by_config_switch(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", sources=ROOT / "sources")
    config = project / "compendium.yml"
    config.write_text(config.read_text().replace("paper: A4", "paper: letter"))
    assert run_cli(project, "build", "--format", "pdf") == 0
    box = pypdf.PdfReader(project / "out" / "compendium.pdf").pages[5].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


# --- Front matter ----------------------------------------------------------------------------

@pytest.mark.slow
def test_cover_title_page_and_contents(publication: Path) -> None:
    pages = pdf_page_texts(publication)
    assert "Compendium of United Nations" in pages[0]
    assert re.fullmatch(r"[ivx]*", pages[1].strip())  # the back of the cover: blank (the
    # folio, if any, is drawn by the join)
    title = " ".join(pages[2].split())  # a right-hand page
    assert title.startswith("Compendium of United Nations") and \
        title.endswith("Inter-Agency Network on Women and Gender Equality — Secretariat"), title
    imprint = " ".join(pages[3].split())  # on its back: the edition's facts
    assert "The designations employed" in imprint
    assert re.search(r"Sources as of \d{1,2} [A-Z][a-z]+ \d{4}: 50 activity entries and 3 "
                     r"entity profiles, from 5 pages of the inventory\.", imprint), imprint
    contents = pages[4]
    assert "Contents" in contents
    entries = re.findall(r"^(.+?)\s*(?:\.\s*){5,}([ivx]+|\d+)$", contents, re.MULTILINE)
    titles = [t.strip() for t, _ in entries]
    assert titles[:4] == ["Acronyms", "Introduction", "Methodology", "The compendium in figures"]
    assert titles[-3:] == ["Annex: sources", "Index of entities", "Index of countries"]
    # Roman, each on the page after the one before (the front matter opens on any side),
    # the methodology on the introduction's.
    assert [label for _, label in entries[:4]] == ["vii", "ix", "ix", "x"]
    labels = page_labels(publication)
    for heading, label in entries:
        start = pages[labels.index(label)]
        assert fingerprint(heading.split(". ", 1)[-1]) in fingerprint(start), heading


@pytest.mark.slow
def test_acronyms_from_text_and_glossary_only_if_used(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", sources=ROOT / "sources")
    with (project / "glossary.yml").open("a") as glossary:
        glossary.write("ZQX: an acronym no record uses\n")
    assert run_cli(project, "build", "--format", "pdf") == 0
    pages = pdf_page_texts(project / "out" / "compendium.pdf")
    acronyms = " ".join(" ".join(p.split()) for p in pages if p.lstrip().startswith(
        "Acronyms") or "Displacement Tracking Matrix" in p)
    assert "DTM Displacement Tracking Matrix" in acronyms          # defined in the text
    assert "IASC Inter-Agency Standing Committee" in acronyms      # from the glossary
    assert "IOM International Organization for Migration" in acronyms
    assert "ZQX" not in acronyms


# --- Back matter -----------------------------------------------------------------------------

def index_entries(pages: list[str], heading: str) -> list[tuple[str, list[str]]]:
    """Return (term, page runs) of the index that starts with ``heading``."""
    start = next(i for i, p in enumerate(pages) if p.lstrip().startswith(heading))
    text = pages[start]
    for following in pages[start + 1:]:
        if following.lstrip().startswith(("Index of", "Annex")):
            break
        text += "\n" + following
    # An entry whose page list wraps goes on with a line that starts with a digit.
    joined = re.sub(r"(,|–)\n(?=\d)", lambda m: m.group(1).replace(",", ", "), text)
    entries = re.findall(r"^([^\d\s].*?)[ \t]+((?:\d+(?:–\d+)?)(?:, \d+(?:–\d+)?)*)$",
                         joined, re.MULTILINE)
    return [(term, runs.split(", ")) for term, runs in entries]


@pytest.mark.slow
def test_index_page_numbers_point_at_the_term(publication: Path) -> None:
    pages = pdf_page_texts(publication)
    labels = page_labels(publication)
    entities = index_entries(pages, "Index of entities")
    countries = index_entries(pages, "Index of countries")
    assert len(entities) >= 6 and len(countries) >= 20
    for term, runs in entities + countries:
        numbers = [int(run.split("–")[0]) for run in runs]
        assert numbers == sorted(set(numbers)), (term, runs)  # each page once, in order
        # "Full Name (ACR)" → ACR; a country by any of its names ("Netherlands (Kingdom of
        # the)" is "Netherlands" in the text)
        keys = [s for s, name in country_names().items() if name == term] or \
            [re.sub(r".*\((.+)\)$", r"\1", term)]
        for number in numbers:
            page = pages[labels.index(str(number))]
            assert any(fingerprint(key) in fingerprint(page) for key in keys), (term, number)


@pytest.mark.slow
def test_annex_lists_each_raw_page_and_its_records(publication: Path) -> None:
    """Each raw page is named by its first line (a title), not by its file name."""
    text = " ".join(pdf_page_texts(publication))
    annex = " ".join(text[text.index("Annex: sources", text.index("Index of countries")):]
                     .split())
    assert "sources/raw" not in annex
    for raw in sorted((ROOT / "sources" / "raw").glob("0*.txt")):
        assert raw.name not in annex
        first = next(line.strip() for line in raw.read_text().splitlines() if line.strip())
        if len(first) < 60 and first != "Search":
            assert first in annex, raw.name
    # Pages titled alike are told apart (three headings "International Organization for
    # Migration" read as one page listed three times); no address promised when none is.
    headings = re.findall(r"International Organization for Migration \((\d) of (\d)\)", annex)
    assert sorted(headings) == [("1", "3"), ("2", "3"), ("3", "3")], headings
    assert "address when known" not in annex


@pytest.mark.parametrize("titles", [["A", "B"], ["A", "A"], ["A", "B", "A", "A (ABC)"],
                                    ["A raw page.", "B", "A raw page"]])
def test_pages_titled_alike_are_numbered_in_the_annex(titles: list[str]) -> None:
    from compendium.html.backmatter import SourcePage, _told_apart

    pages = _told_apart([SourcePage(f"{n}.txt", (), t) for n, t in enumerate(titles)])
    told = [p.title for p in pages]
    assert len(set(told)) == len(told), told
    key = [re.sub(r" \([A-Z]+\)$", "", t).rstrip(" .") for t in titles]
    assert set(told) >= {t for t, k in zip(titles, key, strict=True) if key.count(k) == 1}
    # Pages titled alike stand together, numbered in their order, from where the first is.
    numbered = [int(t.split("(")[-1].split(" of")[0]) for t in told if " of " in t]
    assert numbered == sorted(numbered) or not numbered
    names = [re.sub(r" \(\d+ of \d+\)$", "", t) for t in told]
    assert all(names.index(n) == i or names[i - 1] == n for i, n in enumerate(names)), told


# --- Charts ----------------------------------------------------------------------------------

def structure(pdf: Path) -> list[tuple[str, str]]:
    """Return (role, alt text) of every structure element, in tree order."""
    root = pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
            return
        if not isinstance(node, pypdf.generic.DictionaryObject):
            return
        if "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", ""))))
        if "/K" in node:
            walk(node["/K"])

    walk(root)
    return found


@pytest.mark.slow
def test_charts_in_the_pdf_with_alt_text(publication: Path) -> None:
    """The text alternative is in the tag tree, not printed under the chart."""
    figures = [alt for role, alt in structure(publication) if role == "/Figure"]
    # One pair of entities shares an entry in the shipped records: too little for a chart.
    assert len(figures) == 1
    assert figures[0].startswith("Activity entries by lead entity and period started.")
    assert "IOM leads the most" in figures[0]
    assert "Horizontal stacked bars" not in " ".join(pdf_page_texts(publication))


@pytest.mark.slow
def test_charts_in_the_html_with_text_alternatives(shipped_build: Path, browser: Any) -> None:
    page = browser.new_page()
    page.goto((shipped_build / "compendium.html").as_uri())
    charts = page.eval_on_selector_all("figure.chart svg[role=img]", """svgs => svgs.map(s =>
        [s.querySelector('title').textContent, s.closest('figure').querySelector('table')
         .rows.length])""")
    page.close()
    assert len(charts) == 1
    assert all(title and rows > 1 for title, rows in charts)


@pytest.mark.slow
def test_charts_follow_the_records() -> None:
    records = shipped_records()
    before = Charts(records)[0]
    from dataclasses import replace

    moved = [replace(r, entity="UNODC") if r.entity == "FAO" else r for r in records]
    after = Charts(moved)[0]
    assert "FAO" in before.svg and "FAO" not in after.svg
    assert [row[0] for row in after.rows[1:]].count("FAO") == 0


# --- Compliance ------------------------------------------------------------------------------

@pytest.mark.slow
def test_publication_is_tagged_pdf_ua(publication: Path) -> None:
    reader = pypdf.PdfReader(publication)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and reader.metadata.title.startswith("Compendium")
    assert 'pdfuaid:part="1"' in xmp(publication)
    roles = [role for role, _ in structure(publication)]
    headings = [int(r[2]) for r in roles if re.fullmatch(r"/H[1-6]", r)]
    assert headings[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(headings)), \
        "a heading level is skipped"
    check = subprocess.run(["qpdf", "--check", str(publication)], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout


def tagged_mcids(pdf: Path) -> dict[int, set[int]]:
    """Return, by page object number, the MCIDs the structure tree reaches."""
    found: dict[int, set[int]] = {}

    def walk(node: Any, page: int | None) -> None:
        if isinstance(node, pypdf.generic.IndirectObject):
            node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child, page)
        elif isinstance(node, pypdf.generic.NumberObject) and page is not None:
            found.setdefault(page, set()).add(int(node))
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/Pg" in node:
                page = node.raw_get("/Pg").idnum
            if "/MCID" in node and page is not None:  # a marked-content reference
                found.setdefault(page, set()).add(int(node["/MCID"]))
            if "/K" in node:
                walk(node["/K"], page)

    walk(pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]["/K"], None)
    return found


@pytest.mark.slow
def test_running_heads_and_page_numbers_are_artifacts(publication: Path) -> None:
    """All marked content is in the structure tree, but pagination, marked /Artifact."""
    reader = pypdf.PdfReader(publication)
    tagged = tagged_mcids(publication)
    for number, page in enumerate(reader.pages, start=1):
        content = page.get_contents().get_data().decode("latin-1")
        mcids = {int(m) for m in re.findall(r"/MCID (\d+)", content)}
        assert mcids <= tagged.get(page.indirect_reference.idnum, set()), number
        # Every page but the title pages (cover, title page, imprint), the back cover and
        # the blank versos has its number drawn as an artifact.
        folios = re.findall(r"/Artifact\s+BMC\s+/Folio\w+\s+Do\s+EMC", content)
        unnumbered = number <= 4 or number == len(reader.pages) or \
            not page.extract_text().strip()
        assert len(folios) == (0 if unnumbered else 1), number
        for form in page["/Resources"].get("/XObject", {}).values():
            if str(form.get_object().get("/Subtype")) == "/Form":
                assert b"/MCID" not in form.get_object().get_data()


@pytest.mark.slow
def test_archive_is_pdf_a3u_with_records_and_manifest(archive: Path) -> None:
    reader = pypdf.PdfReader(archive)
    meta = xmp(archive)
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="U"' in meta
    assert 'pdfuaid:part="1"' in meta
    names = set(reader.attachments)
    records = {f"sources/{p.relative_to(ROOT / 'sources').as_posix()}"
               for p in (ROOT / "sources").rglob("*.md") if "raw" not in p.parts}
    assert names == records | {"compendium.manifest.json"}
    iom = reader.attachments["sources/iom/iom-profile.md"][0]
    assert iom == (ROOT / "sources" / "iom" / "iom-profile.md").read_bytes()
    # WeasyPrint 70 lists each file twice in /AF; what matters is that each is there.
    assert len({ref.idnum for ref in reader.trailer["/Root"]["/AF"]}) == len(names)
    assert subprocess.run(["qpdf", "--check", str(archive)], capture_output=True,
                          check=False).returncode == 0


@pytest.mark.slow
def test_archive_is_reproducible(archive: Path, tmp_path: Path) -> None:
    assert run_cli(ROOT, "build", "--pdfa", "--format", "pdf", "--out", str(tmp_path)) == 0
    assert (tmp_path / "compendium.pdf").read_bytes() == archive.read_bytes()


# --- Draft and publication -------------------------------------------------------------------

@pytest.mark.slow
def test_draft_pages_carry_the_stamp_and_publication_pages_do_not(
        shipped_build: Path, publication: Path) -> None:
    draft = pdf_page_texts(shipped_build / "compendium.pdf")
    assert all(re.search(r"DRAFT · sources (git|sha256) \w+", page) for page in draft)
    assert not any("DRAFT" in page for page in pdf_page_texts(publication))


@pytest.mark.slow
def test_publication_fails_on_any_warning(project: Path, make_record: RecordFactory,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    make_record(id="with-markup", body="See <b>this</b> here.")  # (an image: a problem)
    assert run_cli(project, "build", "--publication", "--format", "html") == 1
    err = capsys.readouterr().err
    assert "with-markup: HTML `<b>` shown as text" in err
    assert "a publication build allows no warning" in err
    assert not (project / "out").exists()
    assert run_cli(project, "build", "--format", "html") == 0  # a draft goes through


@pytest.mark.slow
def test_the_draft_stamp_overlaps_nothing_however_long(small_project: Path) -> None:
    """Outside git the stamp names a long content hash ("sources sha256 … (uncommitted)"):
    set on the folio's line, it ran into the number of every right-hand page."""
    assert run_cli(small_project, "build", "--format", "pdf") == 0
    pages = read_pages(small_project / "out" / "compendium.pdf")
    assert any("(uncommitted)" in w[2] for w in pages[0].words)
    for page in pages:
        boxes = [(left, top, right, bottom, text) for (top, bottom, text), (left, right)
                 in zip(page.words, page.spans, strict=True)]
        stamp_line = min(top for _, top, _, _, text in boxes if text == "DRAFT")
        stamp = [b for b in boxes if abs(b[1] - stamp_line) < 1]
        others = [b for b in boxes if abs(b[1] - stamp_line) >= 1]
        for a in stamp:
            for b in others:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], \
                    (page.number, a, b)
