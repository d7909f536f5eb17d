"""Turn record files into Records, or a full list of what is wrong with them."""

from __future__ import annotations

import datetime
import html as html_module
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from compendium.checked import Checked, refused
from compendium.fonts import unprintable
from compendium.memo import MISSING, Memo, memoized
from compendium.model import (
    PROVENANCE_KINDS,
    Period,
    Problem,
    Provenance,
    Record,
    SourceRef,
    YearMonth,
)
from compendium.records.config import Edition, check_fields, texts_below
from compendium.records.countries import country_names, is_known_country
from compendium.records.limits import character_problem, has_words, text_problem
from compendium.records.sources import RecordFile
from compendium.records.spelling import did_you_mean

log = logging.getLogger(__name__)

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_ID = 120
"""Characters of the longest id: ids name files (the importer's records, the chapters'
anchors), and a file name has at most 255 bytes."""
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})\Z")

RECORD_FIELDS: dict[str, tuple[type, bool]] = {
    "id": (str, True), "kind": (str, True), "entity": (str, True), "sources": (list, False),
    "provenance": (dict, False), "draft": (bool, False), "lang": (str, False),
    "partners": (list, False), "period": (dict, False), "round": (int, False),
    "countries": (list, False), "chapter": (str, False), "themes": (list, False),
    "name": (str, False), "item_id": (str, False), "agency_id": (str, False),
    "mail_address": (str, False), "address": (str, False), "title": (str, False),
    "review": (str, False),
}
MAX_TITLE_CHARS = 160
"""A heading of two printed lines at most."""
KINDS = ("profile", "activity")
OTHER_KINDS_FIELDS = {"activity": {"name": "profile", "mail_address": "profile",
                                   "address": "profile"},
                      "profile": {"title": "activity"}}
"""Fields only the other kind of record shows, by kind: written in a record of this kind,
they were accepted and shown nowhere (an attack)."""


def validate_records(files: Sequence[RecordFile], edition: Edition) -> Checked[
        tuple[Record, ...]]:
    """Return the valid records, with every problem found in the files."""
    records: list[Record] = []
    problems: list[Problem] = []
    first_seen: dict[str, RecordFile] = {}
    known = edition_token(edition)
    for file in files:
        record = validate_record(file, edition, known)
        problems += record.problems
        if record.value is None:
            continue
        rid = record.value.id
        if rid in first_seen:
            other = first_seen[rid]
            problems.append(Problem(str(file.path), file.front.line_of("id"), rid, "id",
                                    f"already used by {other.path}:{other.front.line_of('id')}; "
                                    "expected a unique id"))
            continue
        first_seen[rid] = file
        records.append(record.value)
    return Checked(tuple(records), tuple(problems))


_VALIDATED: Memo[tuple[object, Path, str], Checked[Record | None]] = Memo(
    "validated records", limit=65_536)
"""Records validated by this process, by edition (its token), path and text: a preview
rebuilding after each edit validates again only the file that changed. (Results are never
mutated.)"""


@memoized(limit=4)
def edition_token(edition: Edition) -> object:
    """Return an object standing for ``edition`` in keys, the same for equal editions: hashing
    and comparing an edition for each record would cost 20 µs a record."""
    return object()


def validate_record(file: RecordFile, edition: Edition,
                    known: object | None = None) -> Checked[Record | None]:
    """Return the record in ``file`` (None when invalid) with its problems, remembered when
    ``known`` is ``edition``'s token (edition_token)."""
    if known is None or not file.text:  # a file made without its text: no key to it
        return _validate(file, edition)
    key = (known, file.path, file.text)
    found = _VALIDATED.find(key)
    if found is MISSING:
        found = _VALIDATED.keep(key, _validate(file, edition))
    return found


def _validate(file: RecordFile, edition: Edition) -> Checked[Record | None]:
    """Return the record in ``file`` (None when invalid) with its problems."""
    values = file.front.values
    path = str(file.path)
    rid = values.get("id") if isinstance(values.get("id"), str) else "-"
    line_of: Callable[[str], int] = file.front.line_of
    problems = check_fields(path, values, RECORD_FIELDS, str(rid), line_of)
    problems += _check_values(file, edition, str(rid))
    problems += _override_problems(file, str(rid))
    problems += _placeholder_problems(file, str(rid))
    if problems:
        return refused(*problems)
    return Checked(_build_record(file))


def _override_problems(file: RecordFile, rid: str) -> tuple[Problem, ...]:
    """Return a problem at each line holding a bidi embedding or override control or a
    control character, as written or as read: a character reference in the text
    (``&#x202E;``) and an escape in a quoted field (``"\\u202E"``) are the character. Once
    a line: its text as written and as read, or as a field, tell the same."""
    found: dict[int, Problem] = {}
    for line, field, text in _read_texts(file):
        if line not in found and (problem := character_problem(text)):
            found[line] = Problem(str(file.path), line, rid, field, problem)
    return tuple(found.values())


SKELETON_TEXTS = ("Fill in who sent it, or the document's title",
                  "Fill in the entity's background.",
                  "Fill in what the entity did, where, with whom and for whom.")
"""What `build.py new` writes for the editor to replace (scaffold.py)."""


def _placeholder_problems(file: RecordFile, rid: str) -> tuple[Problem, ...]:
    """Return a problem at each line of a record no longer a draft that still holds a
    skeleton's placeholder, however its lines were wrapped: it would be published as
    written."""
    if file.front.values.get("draft") is True:
        return ()
    found = [(file.front.line_of(*where), str(where[0]), placeholder)
             for where, text in texts_below(file.front.values)
             for placeholder in SKELETON_TEXTS if placeholder in " ".join(text.split())]
    body = " ".join(file.body.split())
    lines = file.body.split("\n")
    for placeholder in SKELETON_TEXTS:
        if placeholder in body:
            opening = " ".join(placeholder.split()[:3])
            at = next((n for n, line in enumerate(lines) if opening in " ".join(line.split())),
                      0)
            found.append((file.body_line + at, "body", placeholder))
    return tuple(Problem(str(file.path), line, rid, field,
                         f"still holds the placeholder “{placeholder}”; expected the record's "
                         "own words, or `draft: true` until it has them")
                 for line, field, placeholder in found)


def _read_texts(file: RecordFile) -> Iterable[tuple[int, str, str]]:
    """Yield (line, field, text) for each line of ``file`` as written and with its character
    references read, and for each text of its fields as YAML reads it."""
    for number, line in enumerate(file.text.split("\n"), start=1):
        yield number, "text", line
        if "&" in line:
            yield number, "text", html_module.unescape(line)
    for where, text in texts_below(file.front.values):
        yield file.front.line_of(str(where[0])), str(where[0]), text


def _check_values(file: RecordFile, edition: Edition, rid: str) -> tuple[Problem, ...]:
    """Return the problems of the field values, beyond their types."""
    v = file.front.values
    path, line = str(file.path), file.front.line_of

    def problem(field: str, message: str) -> Problem:
        return Problem(path, line(field), rid, field, message)

    found: list[Problem] = []
    if isinstance(v.get("id"), str) and not ID.match(v["id"]):
        found.append(problem("id", f"`{v['id'][:80]}` is not a valid id; expected lowercase "
                                   "letters, digits and single hyphens"))
    elif isinstance(v.get("id"), str) and len(v["id"]) > MAX_ID:
        found.append(problem("id", f"`{v['id'][:40]}…` is {len(v['id'])} characters long; "
                                   f"expected at most {MAX_ID} (an id names files and links)"))
    if isinstance(v.get("kind"), str) and v["kind"] not in KINDS:
        found.append(problem("kind", f"`{v['kind']}` is not a kind{did_you_mean(v['kind'], KINDS)}"
                                     "; expected profile or activity"))
    found += _check_entities(v, edition, problem)
    found += _check_lists(v, problem)
    found += _check_countries(v, problem)
    if isinstance(v.get("chapter"), str) and v["chapter"] not in edition.chapter_slugs():
        hint = did_you_mean(v["chapter"], edition.chapter_slugs())
        found.append(problem("chapter", f"unknown chapter `{v['chapter']}`{hint}"))
    if isinstance(v.get("period"), dict):
        found += [problem("period", m) for m in period_problems(v["period"])]
    if isinstance(v.get("sources"), list):
        found += [problem("sources", m) for m in _source_problems(v["sources"])]
    found += _check_origin(v, problem)
    if isinstance(v.get("round"), int) and not 1990 <= v["round"] <= 2100:
        found.append(problem("round", f"`{v['round']}` is not a reporting round; expected the "
                                      "round's year, e.g. 2009"))
    if isinstance(v.get("lang"), str) and not LANGUAGE_TAG.match(v["lang"]):
        found.append(problem("lang", f"`{v['lang']}` is not a language tag; expected a BCP 47 "
                                     "tag such as fr, es, ar or zh-Hans"))
    found += [problem(name, f"only a record of kind {other} shows it; expected it in the text "
                            f"of this {v['kind']}, or the field deleted")
              for name, other in OTHER_KINDS_FIELDS.get(str(v.get("kind")), {}).items()
              if name in v]
    if v.get("kind") == "profile" and not isinstance(v.get("name"), str):
        found.append(problem("name", "missing; a profile needs the entity's full name"))
    if isinstance(v.get("title"), str):
        found += [problem("title", m) for m in title_problems(v["title"])]
    found += _check_body(file, rid)
    return tuple(found)


def title_problems(title: str) -> list[str]:
    """Return what is wrong with an entry's title: empty, several lines or too long."""
    if not has_words(title):
        return ["empty; expected a short heading, or no `title:` field"]
    if "\n" in title.strip():
        return ["several lines; expected a heading on one line"]
    if len(title) > MAX_TITLE_CHARS:
        return [f"{len(title)} characters; expected at most {MAX_TITLE_CHARS}"]
    return []


def _check_entities(v: dict[str, Any], edition: Edition,
                    problem: Callable[[str, str], Problem]) -> tuple[Problem, ...]:
    """Return a problem for each entity or partner the registry does not know."""
    known = edition.entity_acronyms()
    named = [("entity", v.get("entity"))]
    if isinstance(v.get("partners"), list):
        named += [("partners", p) for p in v["partners"]]
    return tuple(problem(field, f"unknown entity `{name}`{did_you_mean(name, known)}; "
                                "expected an acronym from entities.yml")
                 for field, name in named if isinstance(name, str) and name not in known)


def _check_countries(v: dict[str, Any],
                     problem: Callable[[str, str], Problem]) -> tuple[Problem, ...]:
    """Return a problem for each declared country the country list does not know."""
    names = country_names()
    declared = v["countries"] if isinstance(v.get("countries"), list) else []
    return tuple(problem("countries", f"unknown country `{name}`{did_you_mean(name, names)}; "
                                      "expected a UN country or area name, e.g. Viet Nam")
                 for name in declared if isinstance(name, str) and not is_known_country(name))


def _check_lists(v: dict[str, Any],
                 problem: Callable[[str, str], Problem]) -> tuple[Problem, ...]:
    """Return a problem for each list field holding something other than text."""
    return tuple(problem(field, f"item {i + 1} `{item}` is not a name; expected a list of "
                                "names")
                 for field in ("partners", "countries", "themes")
                 if isinstance(v.get(field), list)
                 for i, item in enumerate(v[field]) if not isinstance(item, str))


def period_problems(raw: dict[str, Any]) -> list[str]:
    """Return what is wrong with a ``{start, end}`` period mapping."""
    unknown = [k for k in raw if k not in ("start", "end")]
    if unknown:
        return [f"unknown key `{unknown[0]}`{did_you_mean(str(unknown[0]), ('start', 'end'))}"]
    if "start" not in raw:
        return ["missing start; expected {start: YYYY-MM, end: YYYY-MM}"]
    months = {k: parse_year_month(raw[k]) for k in ("start", "end") if k in raw}
    errors = [f"{k} {m}" for k, m in months.items() if isinstance(m, str)]
    if errors:
        return errors
    start, end = months["start"], months.get("end")
    if isinstance(start, YearMonth) and isinstance(end, YearMonth) and end < start:
        return [f"end {end} is before start {start}; expected end on or after start"]
    return []


def parse_year_month(value: object) -> YearMonth | str:
    """Return the month ``YYYY-MM`` denotes, or what is wrong with it."""
    match = YEAR_MONTH.match(str(value)) if isinstance(value, str | int) else None
    if match is None:
        return f"`{value}` is not a month; expected YYYY-MM, e.g. 2014-03"
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return f"`{value}` has month {month}; expected a month from 01 to 12"
    if not 1900 <= year <= 2100:
        return f"`{value}` has year {year}; expected a year from 1900 to 2100"
    return YearMonth(year, month)


def _source_problems(raw: list[Any]) -> list[str]:
    """Return what is wrong with a ``sources:`` list."""
    return [f"item {i + 1} `{item}` is not a source; expected {{page: FILE, lines: \"A-B\"}}"
            for i, item in enumerate(raw)
            if not (isinstance(item, dict) and isinstance(item.get("page"), str)
                    and isinstance(item.get("lines"), str | int))]


LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*\Z")
PLACEHOLDER = re.compile(r"^(?:|[-?.x]+|todo|tbd|tbc|fixme|n/?a|none|unknown|xxx+|\.\.\.|…)$",
                         re.IGNORECASE)
"""A note that says nothing: what an editor types meaning to fill it in later."""
PROVENANCE_KEYS = ("kind", "note", "date")
EARLIEST_SOURCE = datetime.date(1990, 1, 1)


def _check_origin(v: dict[str, Any],
                  problem: Callable[[str, str], Problem]) -> tuple[Problem, ...]:
    """Return a problem when a record says neither where it was imported from nor where it
    came from, or says it emptily."""
    if v.get("sources") == []:
        return (problem("sources", "empty; expected at least one {page: FILE, lines: \"A-B\"} "
                                   "of a raw page, or a `provenance:` for a record written by "
                                   "hand"),)
    if "sources" not in v and "provenance" not in v:
        return (problem("provenance", "missing; expected `sources:` (raw pages the record was "
                                      "imported from) or `provenance: {kind: e-mail, note: "
                                      "who sent it, date: YYYY-MM-DD}`"),)
    if isinstance(v.get("provenance"), dict):
        return tuple(problem("provenance", m) for m in provenance_problems(v["provenance"]))
    return ()


def provenance_problems(raw: dict[Any, Any], today: datetime.date | None = None) -> list[str]:
    """Return what is wrong with a ``{kind, note, date}`` provenance mapping."""
    unknown = [str(k) for k in raw if k not in PROVENANCE_KEYS]
    found = [f"unknown key `{k}`{did_you_mean(k, PROVENANCE_KEYS)}; expected kind, note, date"
             for k in unknown]
    found += [f"missing {k}; expected {{kind: e-mail, note: who sent it, date: YYYY-MM-DD}}"
              for k in PROVENANCE_KEYS if k not in raw]
    kind, note = raw.get("kind"), raw.get("note")
    if "kind" in raw and kind not in PROVENANCE_KINDS:
        found.append(f"kind `{kind}` is not a kind of source"
                     f"{did_you_mean(str(kind), PROVENANCE_KINDS)}; expected one of "
                     f"{', '.join(PROVENANCE_KINDS)}")
    if "note" in raw and (not isinstance(note, str) or PLACEHOLDER.match(note.strip())):
        found.append(f"note `{note}` says nothing; expected who sent it or the document's "
                     "title, so a reader can find the source again")
    if "date" in raw:
        date = provenance_date(raw["date"])
        latest = today or datetime.date.today()
        if date is None:
            found.append(f"date `{raw['date']}` is not a date; expected YYYY-MM-DD or YYYY-MM")
        elif not EARLIEST_SOURCE <= date <= latest:
            found.append(f"date {raw['date']} is not between {EARLIEST_SOURCE} and today; "
                         "expected the day the source was received or issued")
    return found


def provenance_date(value: object) -> datetime.date | None:
    """Return the date a provenance gives (YAML reads YYYY-MM-DD as a date, YYYY-MM as text)."""
    if isinstance(value, datetime.date):
        return value
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", str(value))
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        return None


def cited_sources(file: RecordFile) -> list[dict[str, Any]]:
    """Return the raw-page citations of ``file`` that name a page (``{page, lines}``)."""
    cited = file.front.values.get("sources")
    return [item for item in (cited if isinstance(cited, list) else [])
            if isinstance(item, dict) and isinstance(item.get("page"), str)]


def source_page_problems(files: Iterable[RecordFile], raw: Path) -> tuple[Problem, ...]:
    """Return a problem for each cited raw page that is not in ``raw`` (sources/raw/), and each
    line range past the page's end."""
    found: list[Problem] = []
    said: dict[tuple[str, str], str] = {}  # a few pages, cited by every record: looked at once
    for file in files:
        rid = str(file.front.values.get("id", "-"))
        for item in cited_sources(file):
            key = (item["page"], str(item.get("lines", "")))
            if key not in said:
                said[key] = _page_problem(raw, *key)
            if said[key]:
                found.append(Problem(str(file.path), file.front.line_of("sources"), rid,
                                     "sources", said[key]))
    return tuple(found)


LINE_RANGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")
"""A line range as the importer writes it: "12" or "12-15", ASCII digits ("2–4", "1,3-5" and
"²-3" are refused, not guessed at)."""


def _page_problem(raw: Path, page: str, lines: str) -> str:
    """Return what is wrong with citing ``lines`` of ``page``, or an empty string."""
    named = "/" not in page and page not in ("", ".", "..")
    # A link only (one lstat; resolving every cited page cost the preview 50 ms a rebuild at
    # 1,000 records): raw/ itself is checked as a folder of the sources.
    if named and (raw / page).is_symlink() and \
            not (raw / page).resolve().is_relative_to(raw.resolve()):
        return (f"page `{page}` in {raw}/ is a link leading out of it; expected the raw page "
                "itself (the outputs read nothing from outside the project)")
    count = raw_page_lines(raw / page) if named else None
    if count is None:
        return (f"page `{page}` is not in {raw}/; expected the file name of a raw page, or a "
                "`provenance:` for a record written by hand")
    matched = LINE_RANGE.fullmatch(lines)
    numbers = [int(n) for n in matched.groups() if n] if matched else []
    if not numbers or numbers != sorted(numbers) or numbers[-1] > count or numbers[0] < 1:
        return (f"lines `{lines}` are not in {page} ({count} lines); expected a range such as "
                f"\"1-{min(count, 3)}\"")
    return ""


MAX_NESTING = 32
"""Levels of markup a record's text may nest (emphasis in a link in a list in a quote …):
far more than any honest text; 500 nested emphases exhausted the PDF renderer's stack and
the build failed naming no record. Below html.text.RENDERED_NESTING, where the Markdown
parser stops reading."""
NESTING_MARKS = "*_>[`~-+"
"""Characters that open markup: a text with too few of them (and of ORDERED_MARKER) cannot
nest that deep, and is not parsed here."""
ORDERED_MARKER = re.compile(r"\d[.)](?=\s)")
"""An ordered list's item marker ("1. ", "2) "): it opens markup too (an attack nested 40)."""


def nesting_problems(files: Iterable[RecordFile]) -> tuple[Problem, ...]:
    """Return a problem for each record whose Markdown nests deeper than MAX_NESTING."""
    found = []
    for file in files:
        deepest, line = _deepest(file.body)
        if deepest > MAX_NESTING:
            found.append(Problem(str(file.path), file.body_line + line,
                                 str(file.front.values.get("id", "-")), "body",
                                 f"markup nested {deepest} levels deep; expected at most "
                                 f"{MAX_NESTING} (emphasis, links, lists or quotes inside "
                                 "each other)"))
    return tuple(found)


@memoized(limit=65_536)
def _deepest(body: str) -> tuple[int, int]:
    """Return how deep the markup of ``body`` nests, and the line (from 0) where (remembered
    by text: the preview asks after every edit)."""
    from markdown_it import MarkdownIt

    # A mark opens at most two levels (a list and its item), and a paragraph one more.
    marks = sum(body.count(mark) for mark in NESTING_MARKS) + len(ORDERED_MARKER.findall(body))
    if 2 * marks + 1 <= MAX_NESTING:
        return 0, 0

    deepest, line = 0, 0
    # Read to any depth (the renderer stops at RENDERED_NESTING, above MAX_NESTING).
    for token in MarkdownIt("commonmark", {"maxNesting": 100_000}).enable("table").parse(body):
        depth = token.level + max((child.level for child in token.children or ()), default=0)
        if depth > deepest:
            deepest, line = depth, token.map[0] if token.map else line
    return deepest, line


def unprintable_problems(files: Iterable[RecordFile]) -> tuple[Problem, ...]:
    """Return, once per record, the characters no font of the compendium can print, at the
    line of the first."""
    found = []
    for file in files:
        missing = _unprintable_in(file)
        if missing:
            line = next(n for n, _, text in _read_texts(file) if any(c in text for c in missing))
            shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            found.append(Problem(str(file.path), line, str(file.front.values.get("id", "-")),
                                 "text", f"no font of the compendium can print {shown}{more}; "
                                 "expected Latin, Greek, Cyrillic, Arabic, Hebrew or Chinese "
                                 "script (the PDF would show blanks or another font)"))
    return tuple(found)


_UNPRINTABLE: Memo[tuple[Path, str], str] = Memo("unprintable characters", limit=65_536)
"""The characters no font prints, of each file's text as read, by path and text: a preview
builds again after each edit, and reading 10,000 records' texts again cost 0.14 s."""


def _unprintable_in(file: RecordFile) -> str:
    """Return the characters of ``file`` as read (character references, YAML escapes) that no
    font of the compendium prints (remembered by the file's path and text)."""
    key = (file.path, file.text)
    found = _UNPRINTABLE.find(key)
    if found is MISSING:
        found = _UNPRINTABLE.keep(key, unprintable("".join(
            text for _, _, text in _read_texts(file))))
    return found


def raw_page_lines(path: Path) -> int | None:
    """Return how many lines the raw page has, None when it is not a file."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _line_count(path, stat.st_mtime_ns, stat.st_size)


@memoized(limit=65_536)
def _line_count(path: Path, mtime_ns: int, size: int) -> int | None:
    """Return how many lines the file has, None when it is not a file (remembered by its
    modification time and size)."""
    if not path.is_file():
        return None
    return path.read_bytes().count(b"\n") + 1


def _check_body(file: RecordFile, rid: str) -> tuple[Problem, ...]:
    """Return a problem for an empty body (a profile may have only its fields, such as an
    address) or a paragraph too long to be real text."""
    if not file.body.strip() and file.front.values.get("kind") != "profile":
        return (Problem(str(file.path), file.body_line, rid, "body",
                        "empty; expected the record's text after the front matter"),)
    problem = text_problem(file.body)
    if problem is not None:
        return (Problem(str(file.path), file.body_line + problem[0], rid, "body", problem[1]),)
    return ()


def _build_record(file: RecordFile) -> Record:
    """Build a Record from a file whose fields were all checked."""
    v = file.front.values
    return Record(
        id=v["id"], kind=v["kind"], entity=v["entity"], body=file.body, path=file.path,
        sources=tuple(SourceRef(s["page"], str(s["lines"])) for s in v.get("sources", ())),
        partners=tuple(v.get("partners", ())), period=_build_period(v.get("period")),
        round=v.get("round"), countries=tuple(v.get("countries", ())),
        chapter=v.get("chapter"), themes=tuple(v.get("themes", ())), name=v.get("name"),
        item_id=v.get("item_id"), agency_id=v.get("agency_id"),
        mail_address=v.get("mail_address"), address=v.get("address"),
        title=" ".join(v["title"].split()) if isinstance(v.get("title"), str) else None,
        provenance=_build_provenance(v.get("provenance")), draft=bool(v.get("draft", False)),
        lang=v.get("lang"), review=v.get("review"))


def _build_provenance(raw: dict[str, Any] | None) -> Provenance | None:
    """Build the Provenance of a checked mapping."""
    if raw is None:
        return None
    return Provenance(str(raw["kind"]), str(raw["note"]).strip(), str(raw["date"]))


def _build_period(raw: dict[str, Any] | None) -> Period | None:
    """Build the Period of a checked mapping."""
    if raw is None:
        return None
    start = parse_year_month(raw["start"])
    end = parse_year_month(raw["end"]) if "end" in raw else None
    assert isinstance(start, YearMonth) and not isinstance(end, str)
    return Period(start, end)


ID_ATTRIBUTE = re.compile(r'\sid="([^"]+)"')
"""An element's id in rendered HTML (the page, or a part of the PDF)."""
LOCAL_LINK = re.compile(r'href="#([^"]+)"')
"""A link to an id of the same page."""


def page_ids(html: str) -> list[str]:
    """Return the ids of the rendered page, in order (read once, for both checks below:
    0.03 s a reading at 1,000 records, on the preview's path)."""
    return ID_ATTRIBUTE.findall(html)


def doubled_id_problems(ids: Sequence[str], records: Sequence[Record],
                        files: Sequence[RecordFile], taken: Collection[str] = (),
                        edition: str = "compendium") -> tuple[Problem, ...]:
    """Return a problem for each record whose id the page (its ``ids``) gives to something
    else too: a part of the book (``annex-sources``, ``chapter-iom``), a heading, another
    record's paragraph (``iom-profile-p1``); or that is among ids ``taken`` by parts of the
    ``edition`` the page is not (the print edition's indexes). Only the first of two equal
    ids can be reached, so a link to the book's part could land on the record, or the record
    be lost to links. Read from the rendered page, so whatever ids a project's own templates
    give count too."""
    counts = Counter(ids)
    lines = {file.path: file.front.line_of("id") for file in files}
    return tuple(
        Problem(str(record.path), lines.get(record.path, 0), record.id, "id",
                f"the {edition} already has an element with id `{record.id}` (a part of "
                "the book, a heading or another record's paragraph); expected an id of its own")
        for record in records if counts[record.id] > 1 or record.id in taken)


def dangling_link_warnings(ids: Sequence[str], records: Sequence[Record],
                           bodies: Mapping[str, str]) -> list[str]:
    """Return a warning for each link of a record's text to an id the page (its ``ids``)
    does not have (a mistyped record id, a paragraph that went): it would land nowhere."""
    known = set(ids)
    return [f"{record.id}: link to `#{html_module.unescape(target)}` lands nowhere: no "
            f"record, paragraph or part of the compendium has that id ({record.path})"
            for record in records for target in LOCAL_LINK.findall(bodies.get(record.id, ""))
            if target not in known]
