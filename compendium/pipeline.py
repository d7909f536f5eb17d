"""The build, read top to bottom: prepare, then named stages; gather everything, then write.

``prepare`` checks the sources and renders every record's text once, and hands the output
stages a complete ``Build``; each stage adds outputs to it, and ``write`` writes them all
at once, or nothing. The print edition's session (pdf/session.py) opens before the
sources are read, so that its workers load WeasyPrint meanwhile, and closes after the
last stage, whatever happens.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from compendium.cache import CACHE_FOLDER, NO_CACHE, Cache
from compendium.chapter_markdown import render_chapters_markdown
from compendium.checked import beyond
from compendium.errors import BuildStopped, InvalidInput
from compendium.fonts import FONTS_PLACEHOLDER, embedded_font_css
from compendium.html.changes import Changes, Chapters, compare
from compendium.html.document import Document, Stamp, build_document, with_changes
from compendium.html.images import image_problems, image_sources, images_in
from compendium.html.page import PAGE_TEMPLATE, render_html
from compendium.logcapture import captured_warnings
from compendium.model import NO_PAGES, BuildStats, Chapter, Pagination, Problem, Record
from compendium.output import remove_stale, write_outputs
from compendium.pdf.jobs import PdfJob, PrintJob, css_string
from compendium.pdf.session import PrintSession
from compendium.pdf.workers import Workers
from compendium.progress import QUIET, Progress
from compendium.records.chapters import (
    assign_chapters,
    choose_chapter,
    empty_chapters,
    placement_problems,
)
from compendium.records.config import Edition, load_edition
from compendium.records.countries import with_countries
from compendium.records.history import MANIFEST_NAME, earlier_state, manifest_json
from compendium.records.printed import unprinted_problems
from compendium.records.provenance import source_state
from compendium.records.sources import NOTE, RecordFile, read_record_files, read_text
from compendium.records.validate import (
    cited_sources,
    dangling_link_warnings,
    doubled_id_problems,
    nesting_problems,
    page_ids,
    source_page_problems,
    unprintable_problems,
    validate_records,
)

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
HTML_NAME = "compendium.html"
PDF_NAME = "compendium.pdf"
CHAPTERS_DIR = "chapters"


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """What the editor asked for."""

    config: Path
    """The edition config; its folder is the project (templates/, styles/)."""
    sources: Path
    """Folder of record files."""
    out: Path
    """Folder the outputs go to."""
    formats: frozenset[str] = frozenset(FORMATS)
    """Which of html and pdf to make (chapter Markdown is always made)."""
    draft: bool = True
    """A draft for reviewers (banner, Draft mark) rather than the publication."""
    since: str | None = None
    """Mark what changed since this git revision or earlier build's manifest (drafts only)."""
    archive: bool = False
    """Write PDF/A-3u with the records and manifest attached (a publication build)."""
    use_cache: bool = True
    """Reuse products of earlier builds from the project's .cache/ (same bytes either way)."""

    @property
    def project(self) -> Path:
        """Return the project folder, the only place the renderer may read from."""
        return self.config.resolve().parent

    def cache(self) -> Cache:
        """Return the build cache, or the one that remembers nothing."""
        return Cache(self.project / CACHE_FOLDER) if self.use_cache else NO_CACHE


@dataclass(frozen=True, slots=True)
class Sources:
    """The checked input: the edition's config and its records, each valid and placed."""

    edition: Edition
    """The loaded config."""
    files: tuple[RecordFile, ...]
    """Record files read (a publication leaves the unfinished ones out)."""
    records: tuple[Record, ...]
    """Validated records, with the countries their text names."""
    chapters: tuple[Chapter, ...]
    """The records in their chapters."""


@dataclass(frozen=True, slots=True)
class Build:
    """What the output stages share: made whole by ``prepare``, then given more outputs."""

    request: BuildRequest
    """What was asked for."""
    sources: Sources
    """The checked input."""
    document: Document
    """Record text rendered to safe HTML, ready for the templates."""
    reader: Document
    """The HTML edition's document: ``document`` with what changed since ``--since``
    marked, removed records struck through in place."""
    source_date: datetime
    """When the sources last changed (see provenance)."""
    printing: PrintSession
    """The print edition being laid out by worker processes while the HTML is made."""
    cache: Cache = NO_CACHE
    """Where products of earlier builds are reused from."""
    progress: Progress = QUIET
    """Where to report progress (a terminal, or nowhere)."""
    outputs: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    """Rendered files by path relative to the output folder."""
    pages: int = 0
    """Pages of the PDF (0 when none was made)."""
    written: tuple[Path, ...] = ()
    """Files written."""
    stale: tuple[Path, ...] = ()
    """Outputs kept from an earlier build (see BuildStats.stale)."""
    warnings: tuple[str, ...] = ()
    """Warnings logged so far (a publication build refuses to write with any)."""


Stage = Callable[[Build], Build]


class Steps:
    """Says each step as it starts: on the progress line, in the log. A stop asked for
    meanwhile (the preview's newer build) ends the build before the next one."""

    def __init__(self, total: int, progress: Progress = QUIET,
                 stop: threading.Event | None = None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress
        self.stop = stop

    def __call__(self, name: str) -> None:
        if self.stop is not None and self.stop.is_set():
            raise BuildStopped(f"stopped before {name}: a newer build was asked for")
        self.done += 1
        log.info("%s", name)
        self.progress.stage(self.done, self.total, name)


CHECK_STEPS = ("load config", "read and validate sources", "find countries",
               "assign chapters")
PREPARE_STEPS = (*CHECK_STEPS, "compare with earlier sources", "render record text")


def check(request: BuildRequest, step: Steps) -> Sources:
    """Load the config and every record, raising InvalidInput with every problem at once."""
    step("load config")
    edition = load_edition(request.config)
    step("read and validate sources")
    files, records = read_sources(request, edition)
    step("find countries")
    records = tuple(with_countries(r) for r in records)
    step("assign chapters")
    chapters = assign_chapters(records, edition)
    for title in empty_chapters(chapters):
        # A title page and a blank verso in print, for nothing; kept, so that entry numbers
        # stay while an edition fills up, and said (check too), for the editor to decide.
        log.log(NOTE, "chapter “%s” selects no record: it prints as its title alone (give "
                "it records, or remove it from the config)", title)
    return Sources(edition, files, records, chapters)


def prepare(request: BuildRequest, step: Steps, printing: PrintSession,
            cache: Cache = NO_CACHE) -> Build:
    """Check the sources, compare them with an earlier state, and render every record's
    text once for all editions: what every output stage needs."""
    sources = check(request, step)
    step("compare with earlier sources")
    changes, reader_chapters = compare_with_earlier(request, sources)
    step("render record text")
    state = source_state(request.sources, [(f.path, f.text) for f in sources.files],
                         _cited_pages(request.sources, sources.files))
    stamp = Stamp(state.date.strftime("%Y-%m-%dT%H:%M:%SZ"), state.fingerprint, request.draft)
    document = build_document(reader_chapters, sources.edition, stamp, cache)
    _check_printed(sources, document.bodies)
    manifest = manifest_json(request.sources, sources.files, stamp.fingerprint,
                             sources.chapters)
    reader = document if changes is None else with_changes(document, changes)
    return Build(request, sources, document, reader, state.date, printing, cache,
                 step.progress, MappingProxyType({MANIFEST_NAME: manifest}))


def prepared_from(build: Build, request: BuildRequest, printing: PrintSession, cache: Cache,
                  progress: Progress) -> Build:
    """Return ``build`` as ``prepare`` left it, for another ``request`` of the same sources
    (other formats): the preview's PDF rebuild does not read and check again, 0.3 s at
    1,000 records, what its HTML rebuild read and checked a moment before."""
    if replace(build.request, formats=request.formats) != request:
        raise ValueError("a build prepared for another request than for other formats")
    return replace(build, request=request, printing=printing, cache=cache, progress=progress,
                   outputs=MappingProxyType({MANIFEST_NAME: build.outputs[MANIFEST_NAME]}),
                   pages=0, written=())


def read_sources(request: BuildRequest, edition: Edition) -> tuple[
        tuple[RecordFile, ...], tuple[Record, ...]]:
    """Read every record file, then validate them all, raising every problem at once."""
    read = read_record_files(request.sources)
    valid = validate_records(read.value, edition)
    files, records = read.value, valid.value
    problems = (read.problems + beyond(read.problems, valid.problems)
                + placement_problems(records, edition)
                + source_page_problems(files, request.sources / "raw")
                + image_problems(files, request.project) + nesting_problems(files))
    if problems:
        raise InvalidInput(problems)
    for problem in unprintable_problems(files):  # a draft shows the rest; a publication stops
        log.warning("%s", problem)
    if not request.draft:  # unfinished records stay out of the publication
        unfinished = {r.path for r in records if r.draft}
        for path in sorted(unfinished):  # said: a record was once left out without a word
            log.log(NOTE, "%s: left out of the publication: it is a draft (delete its "
                    "`draft: true` line to publish it)", path)
        records = tuple(r for r in records if r.path not in unfinished)
        files = tuple(f for f in files if f.path not in unfinished)
        _refuse_flagged(files, records)
    return files, records


def _cited_pages(sources: Path, files: Sequence[RecordFile]) -> list[Path]:
    """Return the raw pages the records cite (the annex reads them)."""
    names = {item["page"] for file in files for item in cited_sources(file)}
    return [sources / "raw" / name for name in sorted(names) if (sources / "raw" / name).is_file()]


def _refuse_flagged(files: Sequence[RecordFile], records: Sequence[Record]) -> None:
    """Stop a publication while a record it would print still has a `review:` line: the
    import (or an editor) flagged something to decide, such as a guessed entity or text a
    page cut off, and deleting the line says it is decided."""
    lines = {file.path: file.front.line_of("review") for file in files}
    flagged = [Problem(str(r.path), lines.get(r.path, 0), r.id, "review",
                       f"{r.review[:200]}; expected the editor to decide it and delete the "
                       "`review:` line before publishing (or `draft: true` to leave the record "
                       "out)") for r in records if r.review]
    if flagged:
        raise InvalidInput(flagged)


def compare_with_earlier(request: BuildRequest, sources: Sources) -> tuple[
        Changes | None, tuple[Chapter, ...]]:
    """Return what changed since ``--since`` (None without it) and the chapters the HTML
    edition shows: removed records keep their place there, struck through."""
    if request.since is None:
        return None, sources.chapters
    edition = sources.edition
    then = earlier_state(request.since, request.sources, edition)
    before = tuple(with_countries(r) for r in then.records)
    now = Chapters(tuple((c.slug, c.title) for c in sources.chapters),
                   {r.id: c.slug for c in sources.chapters for r in c.records})
    changes = compare(before, sources.records, then.label,
                      Chapters(then.chapters, then.placement), now)
    shown = _removed_in_place(changes.removed, then.placement, edition)
    return changes, assign_chapters((*sources.records, *shown), edition)


def _removed_in_place(removed: tuple[Record, ...], placement: Mapping[str, str],
                      edition: Edition) -> tuple[Record, ...]:
    """Return the removed records to show struck through: each in the chapter it was in when
    that chapter still exists, else where the rules put it; one no chapter takes is only
    listed."""
    slugs = set(edition.chapter_slugs())
    kept = []
    for record in removed:
        old = placement.get(record.id, record.chapter)
        placed = replace(record, chapter=old if old in slugs else None)
        if placed.chapter or choose_chapter(placed, edition.chapters):
            kept.append(placed)
    return tuple(kept)


def start_pdf(build: Build) -> Build:
    """Start laying out the PDF's parts in the workers, so the HTML is made meanwhile."""
    if "pdf" in build.request.formats and not build.printing.started:
        # Made once: an archive's job reads every record file, to attach it.
        build.printing.start(make_print_job(build))
    return build


def render_markdown(build: Build) -> Build:
    """Render each chapter as a Markdown file."""
    chapters = build.sources.chapters
    for chapter in chapters:
        build.progress.step(f"chapter {chapter.number}/{len(chapters)}: {chapter.title} "
                            f"({len(chapter.records)} records)")
    pages = render_chapters_markdown(chapters, build.sources.edition, _templates(build))
    return _add_outputs(build, {**{f"{CHAPTERS_DIR}/{name}": text.encode() for name, text in
                                   pages.items()}, **_chapter_images(build)})


def _chapter_images(build: Build) -> dict[str, bytes]:
    """Return the images the records show, beside the chapter files that name them."""
    shown = {image.src for c in build.sources.chapters for r in c.records
             for image in images_in(r.body)}
    return {f"{CHAPTERS_DIR}/{src}": (build.request.project / src).read_bytes()
            for src in sorted(shown)}


def render_html_edition(build: Build) -> Build:
    """Render the one-page HTML edition with its styles inlined."""
    if "html" not in build.request.formats:
        return build
    # Reviewers' comments are the drafts' (a publication went out with them in its HTML).
    document = _with_open_comments(build.reader, build.request.sources) \
        if build.request.draft else build.reader
    css = "\n".join(_style(build, name) for name in ("common.css", "screen.css"))
    script = project_text(_templates(build) / "reader.js")
    html = render_html(document, _templates(build), "html", inline_css=css, script=script)
    _check_ids(html, build.sources, document.bodies)
    html = html.replace(FONTS_PLACEHOLDER, embedded_font_css(html, build.cache), 1)
    return _add_outputs(build, {HTML_NAME: html.encode()})


def _check_printed(sources: Sources, bodies: Mapping[str, str]) -> None:
    """Refuse records with words their rendered text prints nowhere (records.printed)."""
    problems = unprinted_problems(sources.files, bodies)
    if problems:
        raise InvalidInput(problems)


def _check_ids(html: str, sources: Sources, bodies: Mapping[str, str]) -> None:
    """Warn of records' links to ids the rendered page lacks, then refuse records whose id
    it gives to something else too (the page's ids read once)."""
    ids = page_ids(html)
    for warning in dangling_link_warnings(ids, sources.records, bodies):
        log.warning("%s", warning)
    doubled = doubled_id_problems(ids, sources.records, sources.files)
    if doubled:
        raise InvalidInput(doubled)


def _with_open_comments(document: Document, sources: Path) -> Document:
    """Return the document with the ledger's open comments shown where they belong."""
    from compendium.records.comments import ledger_path, place, read_ledger, with_comments_shown

    placed = place(read_ledger(ledger_path(sources)), document.bodies)
    if not placed:
        return document
    return replace(document, bodies=with_comments_shown(document.bodies, placed),
                   comments=placed)


def render_word_edition(build: Build) -> Build:
    """Render the Word edition (``--format docx``), for translation and editing services."""
    if "docx" not in build.request.formats:
        return build
    from compendium.word import DOCX_NAME, render_docx  # python-docx only when asked for

    return _add_outputs(build, {DOCX_NAME: render_docx(build.document, build.source_date)})


def render_pdf_edition(build: Build) -> Build:
    """Lay out the print edition as a PDF: tagged always; PDF/UA-1 for publication, PDF/A-3u
    with the records and the manifest attached when archiving."""
    if "pdf" not in build.request.formats:
        return build
    start_pdf(build)  # started already, unless a caller's stages left "start the PDF" out
    pdf = build.printing.result()
    for warning in pdf.warnings:
        log.warning("PDF: %s", LONG_DATA_URL.sub(_shortened, _images_named(build, warning)))
    return replace(_add_outputs(build, {PDF_NAME: pdf.data}), pages=pdf.pages)


def _images_named(build: Build, warning: str) -> str:
    """Return a renderer's warning with each image of the project it quotes as a `data:`
    URL named by its file and the records that show it."""
    if "data:" not in warning:
        return warning
    records = build.sources.records
    for src, url in image_sources((r.body for r in records), build.request.project).items():
        if url in warning:
            shown = ", ".join(r.id for r in records
                              if any(image.src == src for image in images_in(r.body)))
            warning = warning.replace(url, f"{src} (shown by {shown})")
    return warning


LONG_DATA_URL = re.compile(r"data:[^\s'\"]{80,}")
"""A `data:` URL in a renderer's message (an image it could not draw): the whole image in
base64 said nothing to the editor."""


def _shortened(found: re.Match[str]) -> str:
    """Return a long `data:` URL as its start and its size."""
    return f"{found[0][:40]}… ({len(found[0]):,} characters)"


def make_print_job(build: Build) -> PrintJob:
    """Return what the PDF renderer needs for this build."""
    document = replace(build.document, chapters=build.sources.chapters)
    for name in ("common.css", "print.css"):  # the workers read them: say here what is wrong
        _style(build, name)
    return PrintJob(document, _templates(build), PdfJob(
        html="", project=build.request.project,
        stylesheets=tuple(build.request.project / "styles" / n
                          for n in ("common.css", "print.css")),
        page_css=f"@page {{ size: {build.sources.edition.paper}; }}",
        variant=_variant(build.request),
        attachments=_attachments(build) if build.request.archive else (),
        date=build.source_date), _stamp_css(document.stamp))


def make_pdf_job(build: Build, pages: Pagination = NO_PAGES) -> PdfJob:
    """Return the whole print edition as one document, for WeasyPrint alone (benchmarks, and
    tests that look at its boxes); the build lays it out in parts."""
    job = make_print_job(build)
    return replace(job.base, html=render_html(job.document, job.templates, "pdf", pages=pages),
                   page_css=job.base.page_css + "\n" + job.stamp_css)


def _variant(request: BuildRequest) -> str | None:
    """Return the PDF variant the request asks for."""
    if request.archive:
        return "pdf/a-3u"
    return None if request.draft else "pdf/ua-1"


def _stamp_css(stamp: Stamp) -> str:
    """Return the page rule that stamps every page of a draft, or nothing."""
    if not stamp.draft:
        return ""
    text = f"DRAFT · sources {stamp.fingerprint} · {stamp.date[:10]}"
    # Below the folio's line, not on it: a long fingerprint ("sha256 … (uncommitted)") ran
    # into the page number on right-hand pages (the designer's third review).
    return ("@page { @bottom-left { content: " + css_string(text) +
            "; font: 7pt var(--sans); color: #9b2226; vertical-align: bottom;"
            " padding-bottom: 5mm; white-space: nowrap; } }")


def _attachments(build: Build) -> tuple[tuple[str, bytes, str], ...]:
    """Return the record files and the build manifest, to travel inside the archived PDF."""
    sources = build.request.sources
    files = tuple((f"sources/{f.path.relative_to(sources).as_posix()}", f.path.read_bytes(),
                   f"Source record {f.path.stem}") for f in sorted(build.sources.files,
                                                                   key=lambda f: f.path))
    return (*files, (MANIFEST_NAME, build.outputs[MANIFEST_NAME],
                     "Build manifest: every record's text and hash"))


def refuse_warnings(build: Build) -> Build:
    """Stop a publication build that met any warning; drafts only report them."""
    if not build.request.draft and build.warnings:
        raise InvalidInput([Problem("-", 0, "-", "warning", f"{w}; a publication build "
                                    "allows no warning") for w in build.warnings])
    return build


def write(build: Build) -> Build:
    """Write every output atomically, then remove chapter files the build no longer makes."""
    out = build.request.out
    written = write_outputs(out, build.outputs)
    remove_stale(out / CHAPTERS_DIR,
                 {Path(n).name for n in build.outputs if n.startswith(CHAPTERS_DIR + "/")})
    kept = tuple(out / name for name in (HTML_NAME, PDF_NAME, "compendium.docx")
                 if name not in build.outputs and (out / name).exists())
    return replace(build, written=written, stale=kept)


def write_pdf(build: Build) -> Build:
    """Write the PDF alone (the preview: its HTML rebuild writes the rest)."""
    return replace(build, written=write_outputs(build.request.out,
                                                {PDF_NAME: build.outputs[PDF_NAME]}))


def prune_cache(build: Build) -> Build:
    """Remove what this build did not use from an outgrown cache (see Cache.prune). Only
    builds of the PDF, which ask for nearly every entry: the preview's HTML rebuild would
    take the PDF's parts for unused."""
    if "pdf" in build.request.formats:
        build.cache.prune()
    return build


BUILD_STAGES: tuple[tuple[str, Stage], ...] = (
    ("start the PDF", start_pdf),  # laid out by the workers while the rest is made
    ("render chapter Markdown", render_markdown),
    ("render HTML", render_html_edition),
    ("render Word", render_word_edition),
    ("render PDF", render_pdf_edition),
    ("review the warnings", refuse_warnings),  # a draft shows them; a publication stops
    ("write outputs", write),
    ("prune the cache", prune_cache),
)
"""The stages that follow ``prepare``, each given a complete Build."""


def stages_except(*names: str) -> tuple[tuple[str, Stage], ...]:
    """Return the build's stages but those named (a name no stage has is an error)."""
    unknown = set(names) - {name for name, _ in BUILD_STAGES}
    if unknown:
        raise ValueError(f"no build stage named {', '.join(sorted(unknown))}")
    return tuple(stage for stage in BUILD_STAGES if stage[0] not in names)


def stages_until(last: str) -> tuple[tuple[str, Stage], ...]:
    """Return the build's stages up to and including the one named ``last`` (a name no stage
    has is an error: ``prepare``'s steps always run)."""
    names = [name for name, _ in BUILD_STAGES]
    if last not in names:
        raise ValueError(f"no build stage named {last}")
    return BUILD_STAGES[:names.index(last) + 1]


PREVIEW_PDF_STAGES: tuple[tuple[str, Stage], ...] = (
    *stages_except("render chapter Markdown", "write outputs", "prune the cache"),
    ("write the PDF", write_pdf),
    ("prune the cache", prune_cache),
)
"""The preview's PDF rebuild, which follows its HTML rebuild (that writes the rest)."""


def run(request: BuildRequest, stages: tuple[tuple[str, Stage], ...] = BUILD_STAGES,
        progress: Progress = QUIET, workers: Workers | None = None,
        stop: threading.Event | None = None, prepared: Build | None = None
        ) -> tuple[Build, BuildStats]:
    """Prepare the build, then run ``stages`` in order; nothing is written unless every
    earlier stage succeeded. ``stages=()`` gives the prepared build (tests, benchmarks).

    The preview lends its ``workers``, and sets ``stop`` when a newer build supersedes this
    one: it then raises BuildStopped before its next step (or while it waits for parts).
    Its PDF rebuild starts from the build its HTML rebuild has just ``prepared`` from the
    same sources (prepared_from)."""
    started = time.perf_counter()
    step = Steps((len(PREPARE_STEPS) if prepared is None else 0) + len(stages), progress, stop)
    cache = request.cache()
    with captured_warnings("compendium") as warnings, \
            PrintSession(cache, progress, "pdf" in request.formats, workers, stop) as printing:
        if prepared is None:
            build = prepare(request, step, printing, cache)
        else:
            warnings += prepared.warnings
            build = prepared_from(prepared, request, printing, cache, progress)
        for name, stage in stages:
            step(name)
            build = stage(replace(build, warnings=tuple(warnings)))
        build = replace(build, warnings=tuple(warnings))
    stats = BuildStats(records=len(build.sources.records), chapters=len(build.sources.chapters),
                       pages=build.pages, seconds=time.perf_counter() - started,
                       outputs=build.written, stale=build.stale)
    return build, stats


def run_check(request: BuildRequest) -> tuple[Sources, tuple[str, ...]]:
    """Check the sources (``build.py check``); return them and the warnings met."""
    from compendium.records.comments import ledger_path, read_ledger

    with captured_warnings("compendium") as warnings:
        sources = check(request, Steps(len(CHECK_STEPS)))
        _check_page(request, sources)
        read_ledger(ledger_path(request.sources))  # the build reads it: told here first
    return sources, tuple(warnings)


def _check_page(request: BuildRequest, sources: Sources) -> None:
    """Render the HTML edition's page, writing nothing, for what only the whole page shows:
    a record id the book already gives to something else (refused, as the build does), a
    link to an id it lacks (a warning). Not for sources checked without the templates
    (an importer's scratch project): the build names what is missing."""
    if not (request.project / "templates" / PAGE_TEMPLATE).is_file():
        return
    document = build_document(sources.chapters, sources.edition, Stamp("", "", True),
                              request.cache())
    _check_printed(sources, document.bodies)
    html = render_html(document, request.project / "templates", "html")
    _check_ids(html, sources, document.bodies)
    _check_print_ids(document, request.project / "templates", sources)


def _check_print_ids(document: Document, templates: Path, sources: Sources) -> None:
    """Refuse records whose id a part only the print edition has (the indexes, the back
    cover) gives to an element too, as the PDF build would (the figures' part aside: it
    draws the charts, and the HTML edition has its ids)."""
    from compendium.pdf.parts import part_html, split_parts

    # Any date: the title pages print one (the check's document has none).
    document = replace(document, stamp=Stamp("2000-01-01T00:00:00Z", "", True))
    taken = {found for part in split_parts(document.chapters, document)
             if part.chapter is None and part.kind != "preface"
             for found in page_ids(part_html(part, document, templates, NO_PAGES))}
    problems = doubled_id_problems((), sources.records, sources.files, taken, "print edition")
    if problems:
        raise InvalidInput(problems)


def _add_outputs(build: Build, files: Mapping[str, bytes]) -> Build:
    """Return ``build`` with more rendered files."""
    return replace(build, outputs=MappingProxyType({**build.outputs, **files}))


def _templates(build: Build) -> Path:
    """Return the project's templates folder."""
    return build.request.project / "templates"


def _style(build: Build, name: str) -> str:
    """Return the text of one of the project's stylesheets."""
    return project_text(build.request.project / "styles" / name)


def project_text(path: Path) -> str:
    """Return the text of a file of the project (a stylesheet, the reader's script), or
    raise InvalidInput saying why it cannot be read (missing, unreadable, not UTF-8)."""
    return read_text(path).or_raise()
