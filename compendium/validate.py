"""Turn record files into Records, or a full list of what is wrong with them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from compendium.config import Edition, check_fields
from compendium.countries import country_names, is_known_country
from compendium.model import Period, Problem, Record, SourceRef, YearMonth
from compendium.sources import RecordFile
from compendium.spelling import did_you_mean

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MAX_PARAGRAPH_CHARS = 20_000
"""Longer than any real paragraph (the longest in the inventory is ~1,300 characters)."""

RECORD_FIELDS: dict[str, tuple[type, bool]] = {
    "id": (str, True), "kind": (str, True), "entity": (str, True), "sources": (list, True),
    "partners": (list, False), "period": (dict, False), "round": (int, False),
    "countries": (list, False), "chapter": (str, False), "themes": (list, False),
    "name": (str, False), "item_id": (str, False), "agency_id": (str, False),
    "mail_address": (str, False), "address": (str, False), "review": (str, False),
}
KINDS = ("profile", "activity")


def validate_records(files: Sequence[RecordFile], edition: Edition) -> tuple[
        list[Record], list[Problem]]:
    """Return the valid records and every problem found in the files."""
    records: list[Record] = []
    problems: list[Problem] = []
    first_seen: dict[str, Record] = {}
    known = _known(edition)
    for file in files:
        record, found = validate_record(file, edition, known)
        problems.extend(found)
        if record is None:
            continue
        if record.id in first_seen:
            other = first_seen[record.id]
            problems.append(Problem(str(file.path), file.front.line_of("id"), record.id, "id",
                                    f"already used by {other.path}:{other.line}; "
                                    "expected a unique id"))
            continue
        first_seen[record.id] = record
        records.append(record)
    return records, problems


_VALIDATED: dict[Edition, dict[tuple[Path, str], tuple[Record | None, tuple[Problem, ...]]]] = {}
"""Records validated by this process, by edition, then by path and text: a preview rebuilding
after each edit validates again only the file that changed. (Results are never mutated.)
One edition at a time; looked up once per build, as hashing an edition is not free."""


VALIDATED_LIMIT = 65_536


def validate_record(file: RecordFile, edition: Edition,
                    known: dict[tuple[Path, str], tuple[Record | None, tuple[Problem, ...]]]
                    | None = None) -> tuple[Record | None, list[Problem]]:
    """Return the record in ``file`` (None when invalid) and its problems, from ``known``
    (this edition's earlier results) when the file was validated before."""
    if known is None or not file.text:  # a file made without its text: no key to it
        return _validate(file, edition)
    key = (file.path, file.text)
    if key not in known:
        record, problems = _validate(file, edition)
        known[key] = record, tuple(problems)
    return known[key][0], list(known[key][1])


def _known(edition: Edition) -> dict[tuple[Path, str], tuple[Record | None, tuple[Problem, ...]]]:
    """Return the results remembered for ``edition``, forgetting other editions'."""
    if edition not in _VALIDATED or len(_VALIDATED[edition]) > VALIDATED_LIMIT:
        _VALIDATED.clear()
        _VALIDATED[edition] = {}
    return _VALIDATED[edition]


def _validate(file: RecordFile, edition: Edition) -> tuple[Record | None, list[Problem]]:
    """Return the record in ``file`` (None when invalid) and its problems."""
    values = file.front.values
    path = str(file.path)
    rid = values.get("id") if isinstance(values.get("id"), str) else "-"
    line_of: Callable[[str], int] = file.front.line_of
    problems = check_fields(path, values, RECORD_FIELDS, str(rid), line_of)
    problems += _check_values(file, edition, str(rid))
    if problems:
        return None, problems
    return _build_record(file), []


def _check_values(file: RecordFile, edition: Edition, rid: str) -> list[Problem]:
    """Return the problems of the field values, beyond their types."""
    v = file.front.values
    path, line = str(file.path), file.front.line_of

    def problem(field: str, message: str) -> Problem:
        return Problem(path, line(field), rid, field, message)

    found: list[Problem] = []
    if isinstance(v.get("id"), str) and not ID.match(v["id"]):
        found.append(problem("id", f"`{v['id']}` is not a valid id; expected lowercase "
                                   "letters, digits and single hyphens"))
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
    if v.get("kind") == "profile" and not isinstance(v.get("name"), str):
        found.append(problem("name", "missing; a profile needs the entity's full name"))
    found += _check_body(file, rid)
    return found


def _check_entities(v: dict[str, Any], edition: Edition,
                    problem: Callable[[str, str], Problem]) -> list[Problem]:
    """Return a problem for each entity or partner the registry does not know."""
    known = edition.entity_acronyms()
    named = [("entity", v.get("entity"))]
    if isinstance(v.get("partners"), list):
        named += [("partners", p) for p in v["partners"]]
    return [problem(field, f"unknown entity `{name}`{did_you_mean(name, known)}; "
                           "expected an acronym from entities.yml")
            for field, name in named if isinstance(name, str) and name not in known]


def _check_countries(v: dict[str, Any],
                     problem: Callable[[str, str], Problem]) -> list[Problem]:
    """Return a problem for each declared country the country list does not know."""
    names = country_names()
    declared = v["countries"] if isinstance(v.get("countries"), list) else []
    return [problem("countries", f"unknown country `{name}`{did_you_mean(name, names)}; "
                                 "expected a name from ISO 3166, e.g. Viet Nam")
            for name in declared if isinstance(name, str) and not is_known_country(name)]


def _check_lists(v: dict[str, Any], problem: Callable[[str, str], Problem]) -> list[Problem]:
    """Return a problem for each list field holding something other than text."""
    return [problem(field, f"item {i + 1} `{item}` is not a name; expected a list of names")
            for field in ("partners", "countries", "themes") if isinstance(v.get(field), list)
            for i, item in enumerate(v[field]) if not isinstance(item, str)]


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


def _check_body(file: RecordFile, rid: str) -> list[Problem]:
    """Return a problem for an empty body (a profile may have only its fields, such as an
    address) or a paragraph too long to be real text."""
    if not file.body.strip() and file.front.values.get("kind") != "profile":
        return [Problem(str(file.path), file.body_line, rid, "body",
                        "empty; expected the record's text after the front matter")]
    for offset, paragraph in enumerate(file.body.split("\n")):
        if len(paragraph) > MAX_PARAGRAPH_CHARS:
            return [Problem(str(file.path), file.body_line + offset, rid, "body",
                            f"a line of {len(paragraph):,} characters; expected at most "
                            f"{MAX_PARAGRAPH_CHARS:,}")]
    return []


def _build_record(file: RecordFile) -> Record:
    """Build a Record from a file whose fields were all checked."""
    v = file.front.values
    return Record(
        id=v["id"], kind=v["kind"], entity=v["entity"], body=file.body, path=file.path,
        line=1, sources=tuple(SourceRef(s["page"], str(s["lines"])) for s in v["sources"]),
        partners=tuple(v.get("partners", ())), period=_build_period(v.get("period")),
        round=v.get("round"), countries=tuple(v.get("countries", ())),
        chapter=v.get("chapter"), themes=tuple(v.get("themes", ())), name=v.get("name"),
        item_id=v.get("item_id"), agency_id=v.get("agency_id"),
        mail_address=v.get("mail_address"), address=v.get("address"), review=v.get("review"))


def _build_period(raw: dict[str, Any] | None) -> Period | None:
    """Build the Period of a checked mapping."""
    if raw is None:
        return None
    start = parse_year_month(raw["start"])
    end = parse_year_month(raw["end"]) if "end" in raw else None
    assert isinstance(start, YearMonth) and not isinstance(end, str)
    return Period(start, end)
