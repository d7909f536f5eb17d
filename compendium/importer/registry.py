"""Add the entities an import learned from the pages to the entity registry (entities.yml)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from compendium.importer.attribution import Learned
from compendium.output import write_atomically


def add_learned(path: Path, learned: Sequence[Learned]) -> list[Learned]:
    """Append each learned entity the registry lacks, marked ``added_by: import`` with a note
    saying where it was met; the editor's text and comments stay as they are. Return those
    added."""
    try:
        text = path.read_text(encoding="utf-8")
        present = yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError):
        text, present = "", None
    keys = set(present) if isinstance(present, dict) else set()
    new = [e for e in learned if e.key not in keys]
    if not new:
        return []
    blocks = [_block(e) for e in new]
    separator = "" if not text or text.endswith("\n") else "\n"
    write_atomically(path, (text + separator + "".join(blocks)).encode("utf-8"))
    return new


def added_by_import(path: Path) -> dict[str, str]:
    """Return the note of each entity the registry still marks ``added_by: import``."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    if not isinstance(doc, dict):
        return {}
    return {str(k): str(v.get("note", "")) for k, v in doc.items()
            if isinstance(v, dict) and v.get("added_by") == "import"}


def _block(entity: Learned) -> str:
    """Return the registry lines of one learned entity, with a comment for the editor."""
    value: dict[str, object] = {"name": entity.name}
    aliases = [a for a in entity.aliases if a not in (entity.key, entity.name)]
    if aliases:
        value["aliases"] = aliases
    value["added_by"] = "import"
    value["note"] = f"met on {entity.page}:{entity.line} ({entity.how}); check the name"
    body = yaml.safe_dump({entity.key: value}, sort_keys=False, allow_unicode=True,
                          width=1000, default_flow_style=False)
    # A page's file name may hold a line break: in the comment, it would start YAML of its own.
    page = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in entity.page)
    return f"# Added by the import ({entity.how}: {page}, line {entity.line}).\n{body}"
