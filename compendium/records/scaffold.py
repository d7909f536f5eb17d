"""Write the skeleton of a new record or entity: valid as written, the fields left to fill.

A skeleton is marked `draft: true`: drafts show it, marked; a publication leaves it out until
the editor has filled it in and removed the mark. Each skeleton is checked with the same
rules as `check` before it is written, and nothing is written when the request would make
a project `check` refuses (an unknown entity, an acronym taken).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from compendium.checked import gather
from compendium.errors import InvalidInput
from compendium.importer.records import slugify
from compendium.model import Problem
from compendium.records.config import Edition, load_edition
from compendium.records.sources import find_record_files, parse_record, read_record_file
from compendium.records.spelling import did_you_mean
from compendium.records.validate import SKELETON_TEXTS, validate_record

ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9-]*(?: [A-Z][A-Za-z0-9-]*)*\Z")
"""An entity's short name as records use it: `ILO`, `UN Women`, `Spotlight Initiative`."""


@dataclass(frozen=True, slots=True)
class Project:
    """Where the skeletons go."""

    config: Path
    """The edition config (compendium.yml)."""
    sources: Path
    """The folder of record files."""
    today: datetime.date
    """The date the skeleton states as its source's date."""


def new_record(project: Project, entity: str, kind: str = "activity") -> Path:
    """Write a record skeleton for ``entity``; return its path."""
    edition = load_edition(project.config)
    if entity not in edition.entity_acronyms():
        hint = did_you_mean(entity, edition.entity_acronyms())
        raise InvalidInput([Problem(str(edition.registry), 0, "-", "entity",
                                    f"unknown entity `{entity}`{hint}; expected an acronym "
                                    "from entities.yml, or add one with `build.py new entity "
                                    "ACRONYM --name \"Full name\"`")])
    name = next(e.name for e in edition.entities if e.acronym == entity)
    rid = _fresh_id(project.sources, f"{slug(entity)}-{project.today:%Y-%m}-new-{kind}")
    path = project.sources / slug(entity) / f"{rid}.md"
    _write_checked(path, record_skeleton(rid, entity, name, kind, project.today), edition)
    return path


def new_entity(project: Project, acronym: str, name: str) -> tuple[Path, Path]:
    """Add ``acronym`` to the entity registry and write its profile's skeleton; return the
    registry and the profile's path."""
    edition = load_edition(project.config)
    problems = _entity_problems(edition, acronym, name)
    if problems:
        raise InvalidInput(problems)
    registry = edition.registry
    added = f"{_yaml_text(acronym)}:\n  name: {_yaml_text(name)}\n"
    before = registry.read_text(encoding="utf-8")
    registry.write_text(before + ("" if before.endswith("\n") else "\n") + added,
                        encoding="utf-8")
    try:
        edition = load_edition(project.config)
        rid = _fresh_id(project.sources, f"{slug(acronym)}-profile")
        path = project.sources / slug(acronym) / f"{rid}.md"
        _write_checked(path, record_skeleton(rid, acronym, name, "profile", project.today),
                       edition)
    except (InvalidInput, OSError):  # a file where the entity's folder goes, a full disk
        registry.write_text(before, encoding="utf-8")  # nothing half done
        raise
    return registry, path


def _entity_problems(edition: Edition, acronym: str, name: str) -> tuple[Problem, ...]:
    """Return why ``acronym`` and ``name`` cannot be added to the registry."""
    where = str(edition.registry)
    if acronym in edition.entity_acronyms():
        return (Problem(where, 0, "-", "acronym", f"`{acronym}` is already an entity; expected "
                                                  f"a new acronym, or `build.py new record "
                                                  f"--entity {acronym}`"),)
    if not ACRONYM.match(acronym):
        return (Problem(where, 0, "-", "acronym", f"`{acronym}` is not an acronym; expected "
                                                  "letters and digits starting with a capital, "
                                                  "e.g. ILO or UN Women"),)
    if not name.strip() or "\n" in name:
        return (Problem(where, 0, "-", "name", "empty; expected the entity's full name, e.g. "
                                               "--name \"International Labour Organization\""),)
    return ()


def record_skeleton(rid: str, entity: str, name: str, kind: str,
                    today: datetime.date) -> str:
    """Return the text of a new record: the fields to fill, each with a comment."""
    lines = ["---", f"id: {rid}", f"kind: {kind}", f"entity: {_yaml_text(entity)}"]
    if kind == "profile":
        lines.append(f"name: {_yaml_text(name)}")
    else:
        lines += ["# partners: [UNFPA]        # other entities, acronyms from entities.yml",
                  f"period: {{start: {today:%Y-%m}}}   # {{start: YYYY-MM, end: YYYY-MM}}, "
                  "or remove it and give `round: YYYY`",
                  "# countries: [Viet Nam]   # UN names; those the text names are found"]
    lines += ["provenance:",
              "  kind: e-mail              # e-mail, report, meeting, interview, publication, "
              "website, other",
              f"  note: {SKELETON_TEXTS[0]}",
              f"  date: {today.isoformat()}         # when it was received or issued",
              "draft: true                 # remove when the record is ready to publish",
              "---"]
    body = (f"## Background\n\n{SKELETON_TEXTS[1]}\n" if kind == "profile"
            else f"{SKELETON_TEXTS[2]}\n")
    return "\n".join(lines) + "\n" + body


def _write_checked(path: Path, text: str, edition: Edition) -> None:
    """Write ``text`` at ``path`` if `check` accepts it; refuse to overwrite."""
    parsed = parse_record(path, text).value
    assert parsed is not None, text  # a skeleton is always a record
    validate_record(parsed, edition).or_raise()
    if path.exists():
        raise InvalidInput([Problem(str(path), 0, "-", "-", "already exists; expected a new "
                                                             "file")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _fresh_id(sources: Path, wanted: str) -> str:
    """Return ``wanted``, or ``wanted-2``, ``-3``… the first no record file uses."""
    paths = find_record_files(sources) if sources.is_dir() else []
    files = gather(map(read_record_file, paths)).value
    taken = {str(f.front.values.get("id")) for f in files} | {p.stem for p in paths}
    rid, n = wanted, 1
    while rid in taken:
        n += 1
        rid = f"{wanted}-{n}"
    return rid


def slug(name: str) -> str:
    """Return a name as an id part: ``UN Women`` → ``un-women``, as the import writes it
    (accents dropped, another script hashed), so that both put an entity's records in one
    folder."""
    return slugify(name) if name.strip() else "entity"


def _yaml_text(text: str) -> str:
    """Return ``text`` as a YAML value, quoted when YAML would read it otherwise."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 .'()-]*", text) and ": " not in text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
