"""Account for every paragraph an import read: kept, merged as a copy, or dropped as residue."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from compendium.importer.assemble import Assembly
from compendium.importer.layout import Layout, claimed_lines
from compendium.importer.rawpage import RawPage

EXCERPT = 70


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A paragraph merged into the record that keeps its fullest version."""

    line: int
    """Line in the raw page."""
    excerpt: str
    """Start of the paragraph."""
    kept_in: str
    """Id of the record holding the kept text."""


@dataclass(frozen=True, slots=True)
class Dropped:
    """Residue removed from a page."""

    line: int
    """Line in the raw page."""
    text: str
    """Exactly what was removed."""
    reason: str
    """Why."""


@dataclass(slots=True)
class PageReport:
    """The accounting of one raw page."""

    page: str
    """File name."""
    paragraphs_read: int = 0
    """Content paragraphs read (copies included)."""
    records: list[str] = field(default_factory=list)
    """Ids of the records with text from this page."""
    duplicates: list[Duplicate] = field(default_factory=list)
    """Paragraphs merged as copies."""
    residue: list[Dropped] = field(default_factory=list)
    """What was dropped or cleaned."""
    structure: list[Dropped] = field(default_factory=list)
    """Headings read as the page's structure (entity sections, listing headings)."""
    review: list[str] = field(default_factory=list)
    """Ids of records with text from this page that the editor must attribute."""
    unclaimed: list[Dropped] = field(default_factory=list)
    """Lines no rule read: neither residue, nor structure, nor content (should be none)."""
    warnings: list[str] = field(default_factory=list)
    """What an editor should look at."""


def make_report(pages: Sequence[RawPage], layouts: Sequence[Layout], work: Assembly,
                ids: Sequence[str], canonical: Callable[[str], str] = str) -> list[PageReport]:
    """Return one accounting per page; ``canonical`` gives an entity's key as it ended up."""
    reports = {p.name: PageReport(p.name) for p in pages}
    for raw, layout in zip(pages, layouts, strict=True):
        reports[raw.name].residue = [Dropped(r.number, r.text, r.reason) for r in raw.residue]
        reports[raw.name].structure = [
            Dropped(n, t, f"{why} {canonical(entity)}" if entity else why)
            for n, t, why, entity in layout.structure]
        reports[raw.name].unclaimed = unclaimed_lines(raw, layout)
    for d in work.dispositions:
        report = reports[d.page]
        report.paragraphs_read += 1
        if d.duplicate:
            report.duplicates.append(Duplicate(d.line, d.text[:EXCERPT], ids[d.draft]))
        if ids[d.draft] not in report.records:
            report.records.append(ids[d.draft])
            if work.drafts[d.draft].review:
                report.review.append(ids[d.draft])
    for page, line, message in work.warnings:
        reports[page].warnings.append(f"line {line}: {message}")
    return list(reports.values())


def unclaimed_lines(page: RawPage, layout: Layout) -> list[Dropped]:
    """Return the page's lines of text that no rule read (each is a paragraph lost)."""
    claimed = claimed_lines(layout)
    return [Dropped(line.number, line.text, "read by no rule") for line in page.lines
            if line.text and line.number not in claimed]


def totals(reports: Sequence[PageReport]) -> dict[str, int]:
    """Return the sums over all pages."""
    return {"pages": len(reports),
            "paragraphs_read": sum(r.paragraphs_read for r in reports),
            "records": len({rid for r in reports for rid in r.records}),
            "duplicates_merged": sum(len(r.duplicates) for r in reports),
            "residue_dropped": sum(len(r.residue) for r in reports),
            "headings": sum(len(r.structure) for r in reports),
            "to_review": len({rid for r in reports for rid in r.review}),
            "unclaimed": sum(len(r.unclaimed) for r in reports),
            "warnings": sum(len(r.warnings) for r in reports)}


def report_json(reports: Sequence[PageReport], to_check: Mapping[str, str] | None = None,
                ) -> str:
    """Return the report for tools; ``to_check``: entities the import added to the registry
    that the records use, with the registry's note."""
    doc: dict[str, object] = {"totals": totals(reports)}
    if to_check:
        doc["entities_to_check"] = dict(to_check)
    doc["pages"] = [asdict(r) for r in reports]
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def report_markdown(reports: Sequence[PageReport], to_check: Mapping[str, str] | None = None,
                    ) -> str:
    """Return the report for people."""
    t = totals(reports)
    lines = ["# Import report", "",
             f"{t['pages']} pages: {t['paragraphs_read']} content paragraphs read, "
             f"{t['records']} records, {t['duplicates_merged']} copies merged, "
             f"{t['residue_dropped']} pieces of residue dropped, {t['warnings']} warnings.", ""]
    if to_check:
        lines += ["## Entities the import added to the registry (check their names)", ""]
        lines += [f"- `{key}`: {note}" for key, note in to_check.items()]
        lines.append("")
    for r in reports:
        lines += [f"## {r.page}", "",
                  f"- content paragraphs read: {r.paragraphs_read}",
                  f"- records: {len(r.records)} ({', '.join(f'`{i}`' for i in r.records)})",
                  f"- copies merged: {len(r.duplicates)}", ""]
        lines += [f"  - line {d.line} → `{d.kept_in}`: {d.excerpt}…" for d in r.duplicates]
        lines += ["", f"- residue dropped: {len(r.residue)}", ""]
        lines += [f"  - line {d.line} ({d.reason}): {json.dumps(d.text, ensure_ascii=True)}"
                  for d in r.residue]
        if r.structure:
            lines += ["", f"- headings: {len(r.structure)}", ""]
            lines += [f"  - line {d.line} ({d.reason}): {d.text}" for d in r.structure]
        if r.unclaimed:
            lines += ["", f"- lines read by no rule: {len(r.unclaimed)}", ""]
            lines += [f"  - line {d.line}: {d.text[:EXCERPT]}" for d in r.unclaimed]
        if r.review:
            lines += ["", "- records to review (their `review:` line says why): "
                      + ", ".join(f"`{i}`" for i in r.review)]
        if r.warnings:
            lines += ["", "- warnings:", *[f"  - {w}" for w in r.warnings]]
        lines.append("")
    return "\n".join(lines)
