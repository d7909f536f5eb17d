"""What changed between two states of the records, and the changed text marked word by word."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from compendium.model import Record

ADDED, CHANGED, REMOVED = "added", "changed", "removed"

TOKEN = re.compile(r"<[^<>]*>|<|[^\s<]+|\s+")
"""An HTML tag, a word, or a run of white space: the units a change is marked in. (A tag
stops at the next ``<``: scanning to the end for each of ``<<<…`` would be quadratic.)"""
ID_ATTRIBUTE = re.compile(r'\s+id="[^"]*"')


@dataclass(frozen=True, slots=True)
class Changes:
    """How the records differ from an earlier state of the sources."""

    since: str
    """What they are compared with, as the banner says it."""
    status: dict[str, str]
    """added, changed or removed, by record id (unchanged records are absent)."""
    removed: tuple[Record, ...]
    """Records the earlier state had and this one has not."""
    earlier: dict[str, Record]
    """The earlier version of each changed record, by id."""


def compare(before: Sequence[Record], after: Sequence[Record], since: str) -> Changes:
    """Return the records added, changed (any field or the text) and removed since ``before``."""
    old = {r.id: r for r in before}
    new = {r.id: r for r in after}
    status = {rid: ADDED for rid in new if rid not in old}
    status |= {rid: REMOVED for rid in old if rid not in new}
    earlier = {rid: old[rid] for rid in new if rid in old and _content(old[rid]) != _content(
        new[rid])}
    status |= dict.fromkeys(earlier, CHANGED)
    removed = tuple(old[rid] for rid in sorted(old) if rid not in new)
    return Changes(since, dict(sorted(status.items())), removed, earlier)


def _content(record: Record) -> tuple[object, ...]:
    """Return what a reader sees of a record: every field but where its file lies."""
    return (record.kind, record.entity, record.partners, record.period, record.round,
            record.countries, record.chapter, record.themes, record.name, record.body,
            record.mail_address, record.address)


def mark_changes(old_html: str, new_html: str) -> str:
    """Return ``new_html`` with words not in ``old_html`` in <ins> and words gone in <del>.

    Both are sanitized fragments. Tags are compared without their ids, so a paragraph
    inserted above does not make every later paragraph look changed; the new tags are kept."""
    old, new = TOKEN.findall(old_html), TOKEN.findall(new_html)
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in old], [_key(t) for t in new],
                                      autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in _joined(matcher.get_opcodes(), new):
        if op == "equal":
            out += new[j1:j2]
            continue
        out += _wrap("del", [t for t in old[i1:i2] if not t.startswith("<")])
        out += _wrap_keeping_tags("ins", new[j1:j2])
    return "".join(out)


Opcode = tuple[str, int, int, int, int]


def _joined(opcodes: Sequence[Opcode], new: list[str]) -> list[Opcode]:
    """Merge changes separated only by a space, so "A B" → "C D" reads as one change."""
    merged: list[Opcode] = []
    for op in opcodes:
        if merged and op[0] != "equal" and len(merged) >= 2 and merged[-2][0] != "equal" and \
                merged[-1][0] == "equal" and not "".join(new[merged[-1][3]:merged[-1][4]]).strip():
            before = merged[-2]
            merged[-2:] = [("replace", before[1], op[2], before[3], op[4])]
        else:
            merged.append(op)
    return merged


def _key(token: str) -> str:
    """Return what identifies a token when comparing: a tag without its id."""
    return ID_ATTRIBUTE.sub("", token) if token.startswith("<") else token


def _wrap(tag: str, words: list[str]) -> list[str]:
    """Return ``words`` inside one <tag> element, or nothing when there is no word."""
    text = "".join(words)
    return [f"<{tag}>{text}</{tag}>"] if text.strip() else ([text] if text else [])


def _wrap_keeping_tags(tag: str, tokens: list[str]) -> list[str]:
    """Wrap each run of words in <tag>, leaving the tags between them in place."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens:
        if token.startswith("<"):
            out += _wrap(tag, run)
            run = []
            out.append(token)
        else:
            run.append(token)
    return out + _wrap(tag, run)
