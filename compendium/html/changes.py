"""What changed between two states of the records, and the changed text marked word by word."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from compendium.model import Record

ADDED, CHANGED, REMOVED, MOVED = "added", "changed", "removed", "moved"
"""A record's status since an earlier state; ``moved`` is a record the chapter rules moved."""

TOKEN = re.compile(r"<[^<>]*>|<|[^\s<]+|\s+")
"""An HTML tag, a word, or a run of white space: the units a change is marked in. (A tag
stops at the next ``<``: scanning to the end for each of ``<<<…`` would be quadratic.)"""
ID_ATTRIBUTE = re.compile(r'\s+id="[^"]*"')
NOTHING = "none"
"""How a field with no value reads in the change list."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a record that changed, as a reader sees its values."""

    field: str
    """The field's name as the change list prints it, e.g. ``Period``."""
    old: str
    """Its value in the earlier state."""
    new: str
    """Its value now."""


@dataclass(frozen=True, slots=True)
class EditionChange:
    """A change of the edition itself: its chapters, or records its rules moved."""

    kind: str
    """``chapter added``, ``chapter removed``, ``chapter renamed``, ``chapters reordered``
    or ``records moved``."""
    text: str
    """What changed, in one sentence."""
    records: tuple[str, ...] = ()
    """Ids of the records it concerns (those moved), each linked from the list."""
    chapter: str = ""
    """Slug of the chapter it concerns when the draft has it (added, renamed), linked."""


@dataclass(frozen=True, slots=True)
class Chapters:
    """The chapters of one state and where each record went."""

    order: tuple[tuple[str, str], ...]
    """(slug, title) of each chapter, in reading order."""
    placement: Mapping[str, str]
    """The slug of each record's chapter, by record id."""

    def title_of(self, record_id: str) -> str:
        """Return the title of the chapter ``record_id`` is in, or ``none``."""
        titles = dict(self.order)
        return titles.get(self.placement.get(record_id, ""), NOTHING)


@dataclass(frozen=True, slots=True)
class Changes:
    """How the records and the edition differ from an earlier state of the sources."""

    since: str
    """What they are compared with, as the banner says it."""
    status: dict[str, str]
    """added, changed, removed or moved, by record id (unchanged records are absent)."""
    removed: tuple[Record, ...]
    """Records the earlier state had and this one has not."""
    earlier: dict[str, Record]
    """The earlier version of each changed record, by id."""
    fields: Mapping[str, tuple[FieldChange, ...]] = field(default_factory=dict)
    """The fields of each changed record that changed (the chapter among them), by id."""
    reworded: frozenset[str] = frozenset()
    """Ids of the changed records whose text changed (marked word by word in place)."""
    old_chapter: Mapping[str, str] = field(default_factory=dict)
    """The title of the chapter each removed or moved record was in, by id."""
    edition: tuple[EditionChange, ...] = ()
    """Changes of the chapters, and records the chapter rules moved."""

    def count(self, status: str) -> int:
        """Return how many records have ``status``."""
        return sum(1 for s in self.status.values() if s == status)


def compare(before: Sequence[Record], after: Sequence[Record], since: str,
            then: Chapters | None = None, now: Chapters | None = None) -> Changes:
    """Return the records added, changed (any field or the text) and removed since ``before``,
    and, given the chapters of both states, how the chapters changed and what they moved."""
    then = then or Chapters((), {})
    now = now or Chapters((), {})
    old = {r.id: r for r in before}
    new = {r.id: r for r in after}
    status = {rid: ADDED for rid in new if rid not in old}
    status |= {rid: REMOVED for rid in old if rid not in new}
    common = [rid for rid in new if rid in old]
    earlier = {rid: old[rid] for rid in common if _content(old[rid]) != _content(new[rid])}
    status |= dict.fromkeys(earlier, CHANGED)
    fields = {rid: _field_changes(old[rid], new[rid], then, now) for rid in earlier}
    moved = [rid for rid in common if rid not in earlier and _has_moved(rid, then, now)]
    status |= dict.fromkeys(moved, MOVED)
    removed = tuple(old[rid] for rid in sorted(old) if rid not in new)
    old_chapter = {rid: then.title_of(rid) for rid in (*moved, *(r.id for r in removed))}
    return Changes(since, dict(sorted(status.items())), removed, earlier, fields,
                   frozenset(rid for rid in earlier if old[rid].body != new[rid].body),
                   old_chapter, (*chapter_changes(then, now), *_moves(moved, then, now)))


def _has_moved(record_id: str, then: Chapters, now: Chapters) -> bool:
    """Return whether the record went to another chapter (known in both states)."""
    return bool(then.placement and now.placement) and \
        then.placement.get(record_id) != now.placement.get(record_id)


def _field_changes(old: Record, new: Record, then: Chapters,
                   now: Chapters) -> tuple[FieldChange, ...]:
    """Return the fields a reader sees that differ between two versions of a record."""
    pairs = [(name, shown(old), shown(new)) for name, shown in SHOWN_FIELDS]
    if then.placement and now.placement:
        pairs.append(("Chapter", then.title_of(old.id), now.title_of(new.id)))
    return tuple(FieldChange(name, a, b) for name, a, b in pairs if a != b)


def _listed(values: Sequence[str]) -> str:
    """Return a list of values as the change list prints it."""
    return ", ".join(values) if values else NOTHING


SHOWN_FIELDS: tuple[tuple[str, Callable[[Record], str]], ...] = (
    ("Title", lambda r: r.profile_title if r.is_profile else r.name or NOTHING),
    ("Kind", lambda r: r.kind),
    ("Entity", lambda r: r.entity),
    ("Partners", lambda r: _listed(r.partners)),
    ("Period", lambda r: r.period.label if r.period else "undated"),
    ("Reporting round", lambda r: str(r.round) if r.round is not None else NOTHING),
    ("Countries", lambda r: _listed(r.countries)),
    ("Themes", lambda r: _listed(r.themes)),
    ("Chapter set in the record", lambda r: r.chapter or NOTHING),
    ("Mail address", lambda r: r.mail_address or NOTHING),
    ("Address", lambda r: r.address or NOTHING),
)
"""The fields of a record the change list compares (the text is compared word by word)."""


def chapter_changes(then: Chapters, now: Chapters) -> list[EditionChange]:
    """Return the chapters added, removed, renamed, and whether the rest were reordered."""
    if not then.order or not now.order:
        return []
    old, new = dict(then.order), dict(now.order)
    found = [EditionChange("chapter removed", f"Chapter “{title}” removed" + _went(
        slug, then, now)) for slug, title in then.order if slug not in new]
    found += [EditionChange("chapter added", f"Chapter “{title}” added", chapter=slug)
              for slug, title in now.order if slug not in old]
    found += [EditionChange("chapter renamed", f"Chapter “{old[slug]}” renamed “{title}”",
                            chapter=slug)
              for slug, title in now.order if slug in old and old[slug] != title]
    kept_then = [slug for slug, _ in then.order if slug in new]
    kept_now = [slug for slug, _ in now.order if slug in old]
    if kept_then != kept_now:
        found.append(EditionChange("chapters reordered", "Chapters reordered; now: " + "; ".join(
            f"{n}. {title}" for n, (_, title) in enumerate(now.order, start=1))))
    return found


def _went(slug: str, then: Chapters, now: Chapters) -> str:
    """Return where the records of a removed chapter went, e.g. ": its 8 records went to …"."""
    ids = [rid for rid, s in then.placement.items() if s == slug]
    places = sorted({now.title_of(rid) for rid in ids if rid in now.placement})
    if not ids:
        return ""
    where = f" went to {', '.join(f'“{p}”' for p in places)}" if places else " are gone"
    return f"; its {len(ids)} record{'s' if len(ids) != 1 else ''}{where}"


def _moves(moved: Sequence[str], then: Chapters, now: Chapters) -> list[EditionChange]:
    """Return one change per pair of chapters records moved between, by the rules."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for rid in moved:
        pairs.setdefault((then.title_of(rid), now.title_of(rid)), []).append(rid)
    return [EditionChange("records moved", f"{len(ids)} record{'s' if len(ids) != 1 else ''} "
                          f"moved by the chapter rules from “{a}” to “{b}”", tuple(ids))
            for (a, b), ids in pairs.items()]


def _content(record: Record) -> tuple[object, ...]:
    """Return what a reader sees of a record: every field but where its file lies."""
    # A period is compared as read: "Mar 2014" with or without an end in the same month.
    period = record.period.sort_key if record.period else None
    return (record.kind, record.entity, record.partners, period, record.round,
            record.countries, record.chapter, record.themes, record.name, record.body,
            record.mail_address, record.address)


def mark_changes(old_html: str, new_html: str) -> str:
    """Return ``new_html`` with words not in ``old_html`` in <ins> and words gone in <del>.

    Both are sanitized fragments. Tags are compared without their ids, so a paragraph
    inserted above does not make every later paragraph look changed; the new tags are kept.
    A long text is compared a block (paragraph, item, heading) at a time, then word by word
    within each block that changed: word by word throughout, a reworded record of 34 KB took
    31 s (difflib without its junk heuristic is quadratic and worse; an attack)."""
    old, new = TOKEN.findall(old_html), TOKEN.findall(new_html)
    if len(old) * len(new) <= WORD_BY_WORD:
        return "".join(_marked(old, new))
    old_blocks, new_blocks = _blocks(old), _blocks(new)
    matcher = difflib.SequenceMatcher(None, ["".join(map(_key, b)) for b in old_blocks],
                                      ["".join(map(_key, b)) for b in new_blocks],
                                      autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [token for block in new_blocks[j1:j2] for token in block]
            continue
        then, now = old_blocks[i1:i2], new_blocks[j1:j2]
        for n in range(max(len(then), len(now))):  # changed blocks paired in their order
            out += _marked(then[n] if n < len(then) else [], now[n] if n < len(now) else [])
    return "".join(out)


WORD_BY_WORD = 1_000_000
"""Tokens of the old text times those of the new up to which they are compared word by word
throughout (about 500 words each, 0.04 s reworded); a longer paragraph that changed is
marked whole."""
BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|td|th|tr|table|ul|ol|dd|dt)>")


def _blocks(tokens: list[str]) -> list[list[str]]:
    """Return ``tokens`` cut after each tag that closes a block."""
    blocks: list[list[str]] = [[]]
    for token in tokens:
        blocks[-1].append(token)
        if BLOCK_END.fullmatch(token):
            blocks.append([])
    return [block for block in blocks if block]


def _marked(old: list[str], new: list[str]) -> list[str]:
    """Return the tokens of ``new`` with the words not in ``old`` in <ins>, those gone in
    <del> (see mark_changes); a block too long to compare word by word, whole."""
    if len(old) * len(new) > WORD_BY_WORD:
        gone = "".join(t for t in old if not t.startswith("<"))
        return ([f"<del>{gone}</del>"] if gone.strip() else []) + _wrap_keeping_tags("ins", new)
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in old], [_key(t) for t in new],
                                      autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in _joined(matcher.get_opcodes(), new):
        if op == "equal":
            out += new[j1:j2]
            continue
        gone = "".join(t for t in old[i1:i2] if not t.startswith("<"))
        if gone.strip():  # white space alone that went is not shown: the new text has its own
            out.append(f"<del>{gone}</del>")
        out += _wrap_keeping_tags("ins", new[j1:j2])
    return out


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
