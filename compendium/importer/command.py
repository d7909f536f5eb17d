"""The ``import`` verb: raw pages in, record files and an accounting report out."""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt

from compendium.checked import gather
from compendium.errors import ImportFailure, InvalidInput
from compendium.html.page import counted
from compendium.importer.assemble import Assembly, Draft, assemble
from compendium.importer.attribution import Names
from compendium.importer.dedupe import fold
from compendium.importer.layout import (
    ADDRESS_FIELDS,
    ENDS_CITED,
    SENTENCE_PUNCTUATION,
    Layout,
    read_layout,
    split_label,
)
from compendium.importer.periods import parse_header
from compendium.importer.rawpage import RawPage, read_raw_page
from compendium.importer.records import RecordText, make_ids, render_records
from compendium.importer.registry import add_learned, added_by_import
from compendium.importer.report import (
    make_report,
    report_json,
    report_markdown,
    totals,
    unclaimed_lines,
)
from compendium.importer.writer import (
    MANIFEST,
    find_records,
    refused_writes,
    writable,
    write_records,
)
from compendium.model import Entity, Problem
from compendium.output import write_atomically, write_if_changed
from compendium.records.config import Edition, load_edition
from compendium.records.sources import parse_record, read_record_file
from compendium.records.validate import validate_records

# Words of the inventory's subject in its three languages: a page with none of them, no
# entity named and no field or dated entry is not a page of the inventory.
SUBJECT_WORDS = re.compile(r"\b(?:violence|women|girls|gender|femmes|filles|genre|violencia|"
                           r"mujeres|niñas|género)\b", re.IGNORECASE)
SENTENCE_END = (*SENTENCE_PUNCTUATION, ":", ";", "'")
"""What a page's last line may end with and not be cut: a sentence's end in any script
(layout's), or a list's introduction."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the verb's options."""
    parser.add_argument("raw", nargs="+", type=Path, metavar="RAW_FILE",
                        help="raw pages scraped from the inventory site")
    parser.add_argument("--into", type=Path, default=Path("sources"),
                        help="sources folder to write records to (sources/)")
    parser.add_argument("--config", type=Path, default=Path("compendium.yml"),
                        help="edition config naming the entity registry")
    parser.add_argument("--force", action="store_true",
                        help="overwrite records an editor changed since the last import")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail if any paragraph read is not in a record")
    parser.add_argument("-v", "--verbose", action="store_true", help="say more")
    parser.set_defaults(run=run_import)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import made of its pages."""

    pages: tuple[RawPage, ...]
    """Pages read."""
    layouts: tuple[Layout, ...]
    """What each page holds."""
    work: Assembly
    """Drafts and the accounting."""
    ids: tuple[str, ...]
    """Record id of each draft."""
    records: tuple[RecordText, ...]
    """Record files."""
    failures: tuple[str, ...]
    """Pages that could not be imported, with the reason."""
    names: Names
    """The registry's names and the entities learned from the pages."""


def import_pages(paths: Sequence[Path], entities: Sequence[Entity]) -> ImportResult:
    """Read, lay out and assemble the pages; a bad page is reported and skipped."""
    read: list[tuple[RawPage, Layout]] = []
    failures: list[str] = []
    names = Names(entities)
    for path in paths:
        if _own_name(path.name):
            failures.append(f"{path}: a page cannot be named {path.name!r}: raw/ keeps the "
                            "import's own files and hidden files under such names; expected "
                            "another name (rename it, e.g. page.txt)")
            continue
        try:
            page = read_raw_page(path)
            _check_inventory_page(path, page, names)
        except ImportFailure as exc:
            failures.append(str(exc))
            continue
        read.append((page, read_layout(page, names)))
    work = assemble(read, names)
    for page, layout in read:
        _warn_if_cut(page, layout, work)
    ids = make_ids(work)
    return ImportResult(tuple(p for p, _ in read), tuple(lay for _, lay in read), work,
                        tuple(ids), tuple(render_records(work, ids)), tuple(failures), names)


def _check_inventory_page(path: Path, page: RawPage, names: Names) -> None:
    """Refuse a page with no trace of the inventory: no field label, no dated entry, no
    entity named and not one word of its subject."""
    for line in page.lines:
        text = line.text
        if text and (parse_header(text) or split_label(text)[1] or names.first_named(text)
                     or SUBJECT_WORDS.search(text)):
            return
    raise ImportFailure(f"{path}: does not look like a page of the UN Women inventory "
                        "(no field labels, no dated entries, no entity named, no word of "
                        "its subject)")


def refuse_invalid_records(records: Sequence[RecordText], drafts: Sequence[Draft],
                           edition: Edition, into: Path) -> None:
    """Raise InvalidInput, before anything is written, when a record made from the pages is
    one `check` would refuse (an empty text, a line too long, too many values ...): each
    problem named at the raw page and lines the record comes from (its file is not written)."""
    files = gather(parse_record(into / record.path, record.text) for record in records)
    problems = files.problems + validate_records(files.value, edition).problems
    if not problems:
        return
    came_from = {str(into / record.path): draft.sources
                 for record, draft in zip(records, drafts, strict=True)}
    raise InvalidInput([_at_its_page(problem, came_from.get(problem.path, []))
                        for problem in problems])


def _at_its_page(problem: Problem, sources: Sequence[tuple[str, int, int]]) -> Problem:
    """Return ``problem`` (of a record the import would write) located at the raw page and
    lines its record comes from."""
    if not sources:
        return problem
    page, first, last = sources[0]
    lines = f"{first}-{last}" if last > first else str(first)
    return replace(problem, path=page, line=first,
                   message=f"{problem.message} (in the record it makes, {problem.path}, from "
                           f"lines {lines})")


def _warn_if_cut(page: RawPage, layout: Layout, work: Assembly) -> None:
    """Warn when a page's last line is text that stops mid-sentence, however short ("UN",
    "Violence ag"): the scrape may be cut off. A heading, a label, an address line or a
    citation ends without a full stop."""
    last = next((line for line in reversed(page.lines) if line.text), None)
    if last is None or last.text.endswith(SENTENCE_END) or ENDS_CITED.search(last.text):
        return
    not_text = {n for n, _, rule, _ in layout.structure if not rule.startswith("cut-off")} | {
        n for block in layout.profiles for n in block.labels} | {
        p.line for block in layout.profiles for name in ADDRESS_FIELDS
        for p in block.fields.get(name, [])}
    if last.number in not_text:
        return
    taken = {n: rule for n, _, rule, _ in layout.structure}.get(last.number, "")
    # The line's last paragraph: a line may hold several a scrape glued together; a
    # fragment joined to the paragraph above is that paragraph's end.
    held = next((d for d in reversed(work.dispositions) if d.page == page.name and (
        d.line == last.number or (taken.startswith("cut-off fragment joined") and
        d.line < last.number and d.text.endswith(last.text)))), None)
    slot = work.index.find(held.text) if held is not None else None
    kept = work.index.texts[slot] if slot is not None else held.text if held else ""
    if taken.startswith("cut-off copy"):
        where = taken.removeprefix("cut-off copy of the paragraph ")
        said = f"its last words begin the paragraph {where}, which is kept whole (nothing to do)"
    elif held is None:
        said = ("its last words are too few to make a record and were left out: the page may "
                "be cut off there (compare it with the site)")
    elif kept.rstrip().endswith(SENTENCE_END):
        said = "a fuller copy of that paragraph is kept, from this page or another (nothing to do)"
    else:
        # The record that keeps the cut paragraph says so itself: the warning is gone with
        # the import's output, the record's `review:` line stays until the editor has looked.
        draft = work.drafts[held.draft]
        note = (f"{page.name} ends mid-sentence at line {last.number}, in this record's "
                "text: the scrape may have cut it off; compare its last paragraph with the site")
        draft.review = f"{draft.review}; {note}" if draft.review else note
        said = "the cut paragraph is kept as it stands, and its record has a review: line"
    work.warnings.append((page.name, last.number, f"page ends mid-sentence; {said}"))


def run_import(args: argparse.Namespace) -> int:
    """Import the raw pages named on the command line."""
    edition = load_edition(args.config)
    kept = kept_pages(args.into, args.raw)
    if kept:
        print(f"note: also reading the {counted(len(kept), 'page', 'pages')} "
              f"{args.into / 'raw'} keeps: a record is made from every page it is on",
              file=sys.stderr)
    # By name, as the records are assembled: the report reads the same whichever page was
    # given and whichever the project kept.
    pages = sorted([*args.raw, *kept], key=lambda path: (path.name, str(path)))
    result = import_pages(pages, edition.entities)
    for failure in result.failures:
        print(f"error: {failure}", file=sys.stderr)
    used = {e for d in result.work.drafts for e in (d.entity, *d.partners)}
    learned = [e for e in result.names.learned.values() if e.key in used]
    # Checked as `check` will see them: with the entities the import adds to the registry.
    known = replace(edition, entities=edition.entities + tuple(
        Entity(e.key, e.name) for e in learned
        if e.key not in {k.acronym for k in edition.entities}))
    refuse_invalid_records(result.records, result.work.drafts, known, args.into)
    if args.check:
        return _report_check(result, args.into)
    refused = refused_writes(args.into, result.records, _copied_names(args.raw, result))
    if refused:
        raise InvalidInput(refused)
    registry = edition.registry
    for entity in add_learned(registry, learned):
        print(f"added: entity `{entity.key}` ({entity.name}) to {registry} ({entity.how}: "
              f"{entity.page}:{entity.line}); check its name", file=sys.stderr)
    _keep_raw_copies(args.raw, args.into, result)
    # Records no page makes any more are removed only when every page was read: a page
    # that failed would otherwise take its records with it.
    written = write_records(args.into, result.records, args.force,
                            complete=not result.failures)
    reports = make_report(result.pages, result.layouts, result.work, result.ids,
                          lambda key: result.names.lookup(key) or key)
    to_check = {k: v for k, v in added_by_import(registry).items() if k in used}
    write_if_changed(args.into / "raw" / "import-report.md",
                     report_markdown(reports, to_check).encode())
    write_if_changed(args.into / "raw" / "import-report.json",
                     report_json(reports, to_check).encode())
    said = ((written.kept_edits, "kept: {} was edited since the last import; not "
             "overwritten (use --force to replace it)"),
            (written.deleted, "not restored: {} was deleted since the last import (use "
             "--force to restore it)"),
            (written.removed, "removed: {}: no page makes it any more (its text is in another "
             "record now)"),
            (written.orphaned, "kept: {}: no page makes it any more, but it was edited since "
             "the last import; delete it if its text is in another record"))
    for paths, message in said:
        for path in paths:
            print(message.format(args.into / path), file=sys.stderr)
    for path in written.ignored:  # as the manifest spells it (quoted: it may hold anything)
        print(f"ignored: {args.into / MANIFEST} named {json.dumps(path)}, no record file of "
              "the sources folder; nothing was deleted there", file=sys.stderr)
    for path, draft in zip(written.paths, result.work.drafts, strict=True):
        if draft.review:
            print(f"review: {args.into / path}: {draft.review}", file=sys.stderr)
    t = totals(reports)
    print(f"imported {counted(t['pages'], 'page', 'pages')}: {t['paragraphs_read']} "
          "paragraphs read, "
          f"{t['records']} records ({len(written.created)} new, {len(written.updated)} updated, "
          f"{len(written.unchanged)} unchanged, {len(written.kept_edits)} kept edits, "
          f"{len(written.deleted)} deleted by the editor), "
          f"{t['duplicates_merged']} copies merged, {t['residue_dropped']} residue dropped; "
          f"report: {args.into / 'raw' / 'import-report.md'}")
    for page in reports:
        for lost in page.unclaimed:
            print(f"warning: {page.page}:{lost.line}: read by no rule: {lost.text[:60]}",
                  file=sys.stderr)
        for warning in page.warnings:
            print(f"warning: {page.page}: {warning}", file=sys.stderr)
    return 1 if result.failures else 0


def kept_pages(into: Path, given: Sequence[Path]) -> list[Path]:
    """Return the raw pages the last import read (its report names them) that ``into/raw``
    keeps and ``given`` does not name: imported again with them, so that a record fed by a
    kept page and a given one keeps what the kept page gave it (imported alone, the given
    page rewrote it without). Nothing else there is read (an editor's notes), and nothing
    a link takes out of the folder."""
    folder = into / "raw"
    names = {unicodedata.normalize("NFC", path.name) for path in given}
    return sorted(folder / name for name in last_imported(folder)
                  if name not in names and _kept_in(folder, name))


def last_imported(folder: Path) -> list[str]:
    """Return the names of the pages the last import's report lists (none without one)."""
    try:
        report = json.loads((folder / "import-report.json").read_text(encoding="utf-8"))
        return [str(page["page"]) for page in report["pages"]]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return []


IMPORT_FILES = ("import-report.md", "import-report.json", "import-manifest.json",
                "import-pending.json")
"""The import's own files in raw/: never read as pages, whatever a report says."""


def _own_name(name: str) -> bool:
    """Return whether ``name`` is no page's name in raw/: one of the import's own files, or
    a hidden one."""
    return unicodedata.normalize("NFC", name) in IMPORT_FILES or name.startswith(".")


def _kept_in(folder: Path, name: str) -> bool:
    """Return whether ``folder/name`` is a page of ``folder``: a file in it (through no link,
    as the import's writes: writer.writable), not one of the import's own."""
    if "/" in name or "\0" in name or _own_name(name):
        return False
    try:
        return (folder / name).is_file() and writable(folder.parent, f"{folder.name}/{name}", "")
    except OSError:  # a name too long for the file system: no page of ours
        return False


def _copied_names(paths: Sequence[Path], result: ImportResult) -> list[str]:
    """Return the names the pages given are kept under in ``raw/``, NFC as the records
    cite them."""
    imported = {p.name for p in result.pages}
    return [name for name in (unicodedata.normalize("NFC", p.name) for p in paths)
            if name in imported]


def _keep_raw_copies(paths: Sequence[Path], into: Path, result: ImportResult) -> None:
    """Copy each imported page into ``into/raw`` so the project builds from its own data:
    written beside and renamed into place, so a link already there is replaced, never
    followed (refused_writes has refused one that leads out)."""
    imported = {p.name for p in result.pages}
    for path in paths:
        name = unicodedata.normalize("NFC", path.name)
        target = into / "raw" / name
        if name in imported and path.resolve() != target.resolve():
            write_atomically(target, path.read_bytes())


def _report_check(result: ImportResult, into: Path) -> int:
    """Print each paragraph read that no record on disk holds, and each line of text no rule
    read; return the exit code."""
    missing = unaccounted_paragraphs(result, into)
    for page, layout in zip(result.pages, result.layouts, strict=True):
        missing += [f"{page.name}:{d.line}: {d.text[:60]}… (read by no rule)"
                    for d in unclaimed_lines(page, layout)]
    for line in missing:
        print(f"unaccounted: {line}", file=sys.stderr)
    read = len(result.work.dispositions)
    print(f"check: {read - len(missing)} of {read} paragraphs read are in their records")
    return 1 if missing or result.failures else 0


def unaccounted_paragraphs(result: ImportResult, into: Path) -> list[str]:
    """Return ``page:line: text`` for each paragraph read that its record file does not hold."""
    texts: dict[int, list[str]] = {}
    missing = []
    placed = find_records(into)
    written: dict[int, bool] = {}
    for d in result.work.dispositions:
        if d.draft not in texts:
            record = result.records[d.draft]
            path = into / placed.get(record.id, record.path)
            written[d.draft] = path.is_file()
            texts[d.draft] = record_paragraphs(path)
        folded = fold(d.text.removeprefix("- "))
        if not any(p.startswith(folded) or (folded.startswith(p) and d.duplicate and len(p) > 40)
                   for p in texts[d.draft]):
            # --check reads the records an import wrote: before the first, there are none.
            where = "" if written[d.draft] else ", not written yet: import without --check"
            missing.append(f"{d.page}:{d.line}: {d.text[:60]}… (expected in "
                           f"{result.ids[d.draft]}{where})")
    return missing


def record_paragraphs(path: Path) -> list[str]:
    """Return the folded plain text of each block and text field of a record file."""
    record = read_record_file(path).value
    if record is None:
        return []
    blocks = _plain_blocks(record.body)
    fields = [v for v in record.front.values.values() if isinstance(v, str)]
    return [fold(t) for t in blocks + [line for v in fields for line in v.split("\n")]]


def _plain_blocks(markdown: str) -> list[str]:
    """Return the text of each paragraph of a Markdown body, markup removed."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [(t.children and "".join(" " if c.type == "softbreak" else c.content
                                    for c in t.children if c.type in (
                                        "text", "code_inline", "softbreak"))) or t.content
            for t in tokens if t.type == "inline"]
