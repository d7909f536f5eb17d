"""Render chapters as Markdown files an editor can read on their own."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2

from compendium.html.headings import EntryHeading, entry_heading, reference_name
from compendium.html.templating import ProjectLoader, TemplateEnvironment, template_errors
from compendium.memo import memoized
from compendium.model import Chapter, Record
from compendium.records.config import Edition

ATX_HEADING = re.compile(r"^(#{1,6})(?=\s)")
FENCE = re.compile(r"^\s{0,3}(`{3,}(?=[^`]*$)|~{3,})")
"""A fence's opening or closing line (a run of backticks with another after it is code)."""
BACKTICKS = re.compile(r"(?<!`)`+(?!`)")
FOOTNOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")
RAW_HTML = re.compile(r"<(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)"
                      r"(?![^\s<>@]+@[^\s<>@]+>)")
"""A `<` opening a tag, a comment or a declaration, not an autolink (`<https://…>`, an
e-mail address)."""
UNSAFE_LINK = re.compile(r"(?<!\\)\[(?=[^\]]*\]\(\s*<?\s*(?!(?:https?|mailto):)"
                         r"[A-Za-z][A-Za-z0-9+.-]*:)")
"""The `[` of a link whose address has a scheme the HTML edition would not link
(`javascript:`, `data:`, `file:`)."""


def chapter_file_name(chapter: Chapter) -> str:
    """Return the chapter's file name, e.g. ``02-iom.md``."""
    return f"{chapter.number:02d}-{chapter.slug}.md"


def render_chapters_markdown(chapters: Sequence[Chapter], edition: Edition,
                             templates: Path) -> dict[str, str]:
    """Return each chapter's Markdown by file name."""
    with template_errors(templates):
        template = _environment(templates).get_template("chapter.md.j2")
        return {chapter_file_name(c): chapter_markdown(template, c, edition) for c in chapters}


@memoized(limit=64)
def chapter_markdown(template: jinja2.Template, chapter: Chapter, edition: Edition) -> str:
    """Return one chapter's Markdown, remembered by its template, records and edition: a
    preview renders again only the edited record's chapter (a changed template is a new
    Template object)."""
    return template.render(chapter=chapter, edition=edition).rstrip() + "\n"


@memoized(limit=8)
def _environment(templates: Path) -> jinja2.Environment:
    """Return a strict Jinja environment for Markdown (no HTML escaping: it is not HTML)."""
    env = TemplateEnvironment(loader=ProjectLoader(templates),
                              undefined=jinja2.StrictUndefined, autoescape=False,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["nest"] = nest_headings
    env.filters["entities_line"] = entities_line
    env.filters["entry_heading"] = _entry_heading
    env.filters["reference_name"] = reference_name
    env.filters["one_line"] = one_line
    env.filters["contained"] = contained
    return env


def _entry_heading(record: Record, own_entity: str, partners_word: str) -> EntryHeading:
    """Return an entry's heading, its first words standing in when it knows nothing else."""
    words = record.body.split()
    first = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
    return entry_heading(record, own_entity, partners_word, first)


def nest_headings(markdown: str, depth: int) -> str:
    """Push the body's ATX headings ``depth`` levels down (at most h6), outside code fences."""
    lines, _ = _outside_fences(
        markdown, lambda line: ATX_HEADING.sub(lambda m: "#" * min(6, len(m[1]) + depth), line))
    return "\n".join(lines)


def _outside_fences(markdown: str, change: Callable[[str], str]) -> tuple[list[str], str]:
    """Return the lines of ``markdown`` with ``change`` applied to those outside code fences,
    and the marker of a fence left open at the end ("" if none)."""
    out: list[str] = []
    fence = ""  # the open fence's marker, e.g. ``` or ~~~~; empty outside a fence
    for line in markdown.split("\n"):
        if (found := FENCE.match(line)) is not None and (not fence or _closes(line, found, fence)):
            fence = "" if fence else found[1]
        elif not fence:
            line = change(line)
        out.append(line)
    return out, fence


def contained(markdown: str, record_id: str) -> str:
    """Return a record's body so that it cannot reach past itself in the chapter's file: a
    fence left open closed at its end, its footnotes named after it (two records' `[^1]`
    were one note), and, outside code, raw HTML and links of unsafe schemes shown as text,
    as the HTML edition shows them (an attack: one record's open fence made the rest of the
    chapter code, its `<script>` went into the file as markup)."""
    lines, fence = _outside_fences(
        markdown, lambda line: _outside_code_spans(line, lambda text: _inert(text, record_id)))
    return "\n".join([*lines, fence] if fence else lines)


def _outside_code_spans(line: str, change: Callable[[str], str]) -> str:
    """Return ``line`` with ``change`` applied to its text outside code spans (a run of
    backticks to the next run as long)."""
    parts: list[str] = []
    at = 0
    for run in BACKTICKS.finditer(line):
        if run.start() < at:
            continue
        closing = re.compile(f"(?<!`){run[0]}(?!`)").search(line, run.end())
        if closing is None:
            continue
        parts += [change(line[at:run.start()]), line[run.start():closing.end()]]
        at = closing.end()
    return "".join([*parts, change(line[at:])])


def _inert(text: str, record_id: str) -> str:
    """Return Markdown text with its footnotes named after the record and its raw HTML and
    unsafe links escaped (see contained)."""
    text = FOOTNOTE_LABEL.sub(lambda m: f"[^{record_id}-{m[1]}]", text)
    text = RAW_HTML.sub(r"\\<", text)
    return UNSAFE_LINK.sub(r"\\[", text)


def _closes(line: str, found: re.Match[str], fence: str) -> bool:
    """Return whether ``line`` closes the open ``fence``: as CommonMark says, a run of the same
    character at least as long, with nothing after it (a ``` line is code inside a ~~~ fence)."""
    marker = found[1]
    return marker[0] == fence[0] and len(marker) >= len(fence) and not line[found.end():].strip()


def entities_line(record: Record, partners_word: str = "with") -> str:
    """Return the lead entity and partners as a heading shows them, e.g. ``IOM with UNFPA``."""
    if not record.partners:
        return record.entity
    return f"{record.entity} {partners_word} {', '.join(record.partners)}"


def one_line(address: str) -> str:
    """Return an address's lines on one line, joined by "; " where a line ends without
    punctuation of its own ("… Suisse.; http://…" doubled it)."""
    lines = [line.strip() for line in address.split("\n") if line.strip()]
    return "".join(line + ("" if n == len(lines) - 1 else " " if line[-1] in ".;,:" else "; ")
                   for n, line in enumerate(lines))
