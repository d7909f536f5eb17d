"""Assemble the records of several pages, merging what two places of the pages repeat."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from compendium.importer.attribution import UNATTRIBUTED, Names, themes_of
from compendium.importer.dedupe import ParagraphIndex, fold
from compendium.importer.entries import Unit, goes_on, group_entries, one_entry
from compendium.importer.layout import Layout, Para, ProfileBlock, Stream, is_lead_line
from compendium.importer.rawpage import RawPage
from compendium.model import Period

PROFILE_SECTIONS = (("background", "Background"), ("policy_framework", "Policy framework"),
                    ("areas_of_focus", "Areas of focus"), ("areas_of_work", "Areas of work"),
                    ("resources", "Resources"), ("agency_type", "Agency type"))
FRONT_FIELDS = ("item_id", "agency_id", "mail_address", "address")


@dataclass(slots=True)
class Draft:
    """A record being assembled: its paragraphs are slots of the shared paragraph index."""

    kind: str
    """``profile`` or ``activity``."""
    entity: str
    """Lead entity (acronym)."""
    partners: tuple[str, ...] = ()
    """Partner entities."""
    period: Period | None = None
    """Period of a dated entry."""
    themes: tuple[str, ...] = ()
    """Theme tags."""
    slots: list[int] = field(default_factory=list)
    """Activity paragraphs."""
    sections: dict[str, list[int]] = field(default_factory=dict)
    """Profile sections' paragraphs, by field."""
    name: str | None = None
    """Entity full name (profiles)."""
    sources: list[tuple[str, int, int]] = field(default_factory=list)
    """(page, first line, last line) of each place the record came from."""
    review: str | None = None
    """Why the editor must look at the record (its entity could not be found)."""
    surety: int = 0
    """How its entity was found (SURETY): a copy of it found more surely on another page
    gives it that page's entity, whichever page was read first."""


SURETY = {"page": 3, "text": 2, "guess": 1, "none": 0}
"""How surely an entry's entity is known: from the page's structure (a dated header's
list, a section's heading), from its text (rule 4), guessed (the entry above's), or not."""


@dataclass(frozen=True, slots=True)
class Disposition:
    """What became of one content paragraph read from a page."""

    page: str
    """Raw page."""
    line: int
    """Line in the page."""
    text: str
    """The paragraph as read."""
    draft: int
    """Index of the draft that holds it."""
    duplicate: bool
    """Whether it was merged as a copy of a paragraph kept elsewhere."""


@dataclass(slots=True)
class Assembly:
    """Everything the import found, before ids and files."""

    drafts: list[Draft] = field(default_factory=list)
    """Records in page order."""
    index: ParagraphIndex = field(default_factory=ParagraphIndex)
    """Kept paragraph texts."""
    owners: dict[int, int] = field(default_factory=dict)
    """Draft index of each paragraph slot."""
    dispositions: list[Disposition] = field(default_factory=list)
    """Every content paragraph read and where it went."""
    warnings: list[tuple[str, int, str]] = field(default_factory=list)
    """(page, line, message) of things an editor should look at."""
    profiles: dict[str, int] = field(default_factory=dict)
    """Draft index of each entity's profile."""
    pages: dict[int, str] = field(default_factory=dict)
    """Page each paragraph slot was first read on."""
    also: dict[int, list[int]] = field(default_factory=dict)
    """Other slots holding the words of a slot that several entries of a page share."""


def assemble(pages: Sequence[tuple[RawPage, Layout]], names: Names) -> Assembly:
    """Turn the pages' layouts into record drafts, the same whatever order the pages come
    in: pages are taken by name, and every page's profiles before any page's entries (the
    profile blocks with the most labelled sections first).

    A paragraph found twice belongs where it was first kept. A profile's labelled sections
    say more about a paragraph than an entry does (the profile's text also stands, without
    labels, under a dated entry on some pages): taken first, they keep it whichever page
    came first. A draft left with no paragraph of its own is dropped, not written empty."""
    work = Assembly()
    ordered = sorted(pages, key=lambda read: read[0].name)
    # The most labelled block first: a page that shows a profile without some labels (the
    # site's agency pages drop Background's) puts their text under the label above it, and
    # the first page to place a paragraph keeps it (stable: by name among equals).
    blocks = sorted(((page, block, layout) for page, layout in ordered
                     for block in layout.profiles),
                    key=lambda found: -sum(1 for paras in found[1].fields.values() if paras))
    for page, block, layout in blocks:
        _add_profile(work, page.name, block, layout, names)
    for page, layout in ordered:
        previous = names.lookup(layout.page_entity) if layout.page_entity else None
        for stream in layout.streams:
            previous = _add_stream(work, page.name, stream, previous, names)
    for draft in work.drafts:
        # Every note: one the editor settles (the entity) must not hide another.
        notes = [note for note in (draft.review, _versions_note(draft, work),
                                   _profile_version_note(draft, work)) if note]
        if draft.entity == UNATTRIBUTED and not any("set `entity`" in n for n in notes) and \
                draft.sources:
            # Given no one by a header or heading whose name reads as none (Names.learn).
            first_page, line, _ = draft.sources[0]
            notes.insert(0, _unattributed(names, first_page, line, "entry")[1])
        draft.review = "; ".join(notes) or None
    for draft in work.drafts:
        if draft.kind == "profile" and not draft.name:
            draft.name = names.full_name(draft.entity)
    return _without_empty_drafts(work)


ALIKE = 0.6
"""Share of words two paragraphs of a record must have in common, in order, to read as two
versions of one (a page scraped in two years: "the lead UN agency for delivering a world"
and "the leading UN agency dedicated to advancing a world"). Distinct paragraphs of one
profile share well under half."""
ALIKE_MIN_WORDS = 12
"""Words a paragraph needs before its likeness to another tells anything."""


def _versions_note(draft: Draft, work: Assembly) -> str | None:
    """Return a review note when two paragraphs of ``draft`` read from two pages read as two
    versions of one (the page scraped in two years, reworded, so not merged as repeats):
    which to keep is the editor's call. Paragraphs of one page that read alike ("In 2015
    UNFPA trained 200 …", "In 2016 UNFPA trained 300 …") are the page's own; resource lists
    are left out (citations of one series read alike)."""
    groups = [slots for name, slots in draft.sections.items() if name != "resources"]
    for slots in [draft.slots, *groups]:
        for first, second in _may_read_alike(slots, work):
            if (note := _alike(work, first, second)) is not None:
                return f"two paragraphs read as versions of one ({note}): keep one, then " \
                       "delete this line"
    return None


def _may_read_alike(slots: Sequence[int], work: Assembly) -> list[tuple[int, int]]:
    """Return the pairs of ``slots`` from two pages that may read alike, in their order.

    Alike (ALIKE), two paragraphs share at least ALIKE / 2 × their words together; so a
    paragraph's rarest words but that many less one (its prefix, the words counted with
    their repeats) meet the other's: only pairs whose prefixes meet are compared (a prefix
    filter, exact). Every pair compared, two pages of 1,000 paragraphs took 16 s, one page
    of 80,000 80 s (an attack)."""
    words = [_counted_words(work.index.texts[slot]) for slot in slots]
    frequency = Counter(word for each in words for word in each)
    holders: dict[tuple[str, int], list[int]] = {}
    pairs: set[tuple[int, int]] = set()
    for n, each in enumerate(words):
        if len(each) < ALIKE_MIN_WORDS:
            continue
        shared = math.ceil(ALIKE / 2 * (len(each) + ALIKE_MIN_WORDS))
        for word in sorted(each, key=lambda w: (frequency[w], w))[:len(each) - shared + 1]:
            pairs.update((m, n) for m in holders.get(word, ())
                         if work.pages[slots[m]] != work.pages[slots[n]])
            holders.setdefault(word, []).append(n)
    return [(slots[m], slots[n]) for m, n in sorted(pairs)]


def _counted_words(text: str) -> list[tuple[str, int]]:
    """Return the words of ``text`` as _alike compares them, each with how many times it
    came before (so that a word said twice counts twice)."""
    seen: Counter[str] = Counter()
    counted = []
    for word in fold(text).split():
        word = word.casefold()
        counted.append((word, seen[word]))
        seen[word] += 1
    return counted


def _profile_version_note(draft: Draft, work: Assembly) -> str | None:
    """Return a review note when a paragraph of the entry ``draft`` reads as a version of
    one of its entity's profile from another page: an older scrape showed the profile
    without its labels (DPKO's mission statement became three undated entries beside the
    profile that holds it reworded)."""
    profile = work.profiles.get(draft.entity)
    if profile is None or draft.kind == "profile":
        return None
    theirs = [slot for slots in work.drafts[profile].sections.values() for slot in slots]
    for mine in draft.slots:
        for slot in theirs:
            if work.pages[mine] != work.pages[slot] and \
                    (note := _alike(work, slot, mine)) is not None:
                return (f"a paragraph reads as a version of one of the {draft.entity} profile "
                        f"({note}): if it is the profile's text, delete this record; else "
                        "delete this line")
    return None


def _alike(work: Assembly, first: int, second: int) -> str | None:
    """Return both paragraphs' words where they start to differ when the paragraphs in
    slots ``first`` and ``second`` read as two versions of one (ALIKE), else None."""
    shown = [fold(work.index.texts[slot]).split() for slot in (first, second)]
    words = [[word.casefold() for word in each] for each in shown]
    if min(len(words[0]), len(words[1])) < ALIKE_MIN_WORDS:
        return None
    matcher = SequenceMatcher(None, words[0], words[1], autojunk=False)
    if matcher.quick_ratio() < ALIKE or matcher.ratio() < ALIKE:
        return None
    at = matcher.get_matching_blocks()[0]
    same = at.size if at.a == at.b == 0 else 0
    return f"“{_words(shown[0], same)}” and “{_words(shown[1], same)}”"


def _words(words: Sequence[str], differ: int) -> str:
    """Return the words of a paragraph around where it starts to differ from another."""
    start = max(differ - 3, 0)
    return " ".join(["…"] * (start > 0) + list(words[start:start + 8]) + ["…"])


def _without_empty_drafts(work: Assembly) -> Assembly:
    """Drop the drafts holding no paragraph (every one they read kept elsewhere)."""
    held = set(work.owners.values()) | {d.draft for d in work.dispositions}
    number = {old: new for new, old in enumerate(n for n in range(len(work.drafts))
                                                 if n in held)}
    if len(number) == len(work.drafts):
        return work
    work.drafts = [draft for n, draft in enumerate(work.drafts) if n in number]
    work.owners = {slot: number[owner] for slot, owner in work.owners.items()}
    work.profiles = {entity: number[n] for entity, n in work.profiles.items() if n in number}
    work.dispositions = [replace(d, draft=number[d.draft]) for d in work.dispositions]
    return work


def _add_profile(work: Assembly, page: str, block: ProfileBlock, layout: Layout,
                 names: Names) -> None:
    """Merge a profile block into its entity's profile draft."""
    icon, title = _single(block, "icon"), _single(block, "title")
    line = block.labels[0] if block.labels else 0
    if icon:
        entity: str | None = names.lookup(icon) or names.learn(
            icon, title or icon, page, line, "profile Icon and Title")
        if title and entity is not None and (gone := names.merge(entity, title)) is not None:
            _rename(work, gone, entity)
    else:
        hint = block.entity_hint or layout.page_entity
        hint = hint if block.after_logo else _shared_block_entity(block, hint, names)
        entity = (names.lookup(hint) or hint) if hint else (
            names.resolve(title, page, line, "profile Title") if title else None)
    review = None
    if entity is None and set(block.fields) <= {"item_id", "agency_id"}:
        return  # a listing's own id (a category's), no entity's profile: nothing to write
    if entity is None:
        entity, review = _unattributed(names, page, line, "profile block")
    number = _profile_draft(work, entity)
    draft = work.drafts[number]
    draft.name = draft.name or title
    draft.review = draft.review or review
    for name, paras in block.fields.items():
        if name in ("icon", "title"):
            continue
        slots = draft.sections.setdefault(name, [])
        slots += _place(work, page, paras, number)
    lines = [p.line for ps in block.fields.values() for p in ps] + block.labels
    draft.sources.append((page, min(lines), max(lines)))


def _shared_block_entity(block: ProfileBlock, hint: str | None, names: Names) -> str | None:
    """Return the entity a block without Icon or logo is about: the section's, unless its
    paragraphs never name the section's entity and most of them name one other entity
    first (a shared block, such as the Spotlight Initiative's, on another entity's page);
    without a section, the entity its paragraphs name first most often."""
    named = [names.first_named(p.text) for name, paras in block.fields.items()
             if name not in FRONT_FIELDS for p in paras]
    section = names.lookup(hint) if hint else None
    others = [n for n in named if n is not None]
    if not others or (section is not None and section in others):
        return hint
    top = max(dict.fromkeys(others), key=others.count)  # the first met wins a tie
    if hint is None:  # no heading, logo or Icon says (an agency's page without labels)
        return top
    return top if others.count(top) * 2 >= len(named) else hint


def _rename(work: Assembly, old: str, new: str) -> None:
    """Give the drafts of an entity merged into another the other's key."""
    for draft in work.drafts:
        if draft.entity == old:
            draft.entity = new
        draft.partners = tuple(dict.fromkeys(new if p == old else p for p in draft.partners
                                             if (new if p == old else p) != draft.entity))
    if old in work.profiles:
        work.profiles.setdefault(new, work.profiles.pop(old))


def _unattributed(names: Names, page: str, line: int, what: str) -> tuple[str, str]:
    """Return the placeholder entity and the note for text no rule could attribute."""
    entity = names.learn(UNATTRIBUTED, "Entity not identified by the import", page, line,
                         "text whose entity no rule could find")
    return entity, (f"the import could not tell which entity this {what} is about "
                    f"({page}:{line}); set `entity` and delete this line")


def _single(block: ProfileBlock, name: str) -> str | None:
    """Return the value of a one-line field."""
    values = block.fields.get(name, [])
    return values[0].text if values else None


def _profile_draft(work: Assembly, entity: str) -> int:
    """Return the index of the entity's profile draft, creating it."""
    if entity not in work.profiles:
        work.profiles[entity] = len(work.drafts)
        work.drafts.append(Draft("profile", entity))
    return work.profiles[entity]


def _add_stream(work: Assembly, page: str, stream: Stream, previous: str | None,
                names: Names) -> str | None:
    """Add the entries of a stream; return the entity of its last entry."""
    if stream.header is not None and stream.header.reversed:
        work.warnings.append((page, stream.header_lines[0], "dated header ends before it "
                              f"starts; read as {stream.header.period.label}, check the page"))
    others: list[tuple[Unit, str]] = []
    if stream.header is not None:
        (unit, _), *others = _under_header(stream, names)
        units = [unit]
    else:
        units = group_entries(stream.paras)
    for unit in units:
        entity, partners = _entities(page, stream, unit, previous, names)
        review = None
        surety = SURETY["page"] if (stream.header and stream.header.entities) or \
            stream.entity_hint else SURETY["text"]
        if entity is None:
            entity, review = _unattributed(names, page, unit.paras[0].line, "entry")
            surety = SURETY["none"]
        elif entity == previous and surety == SURETY["text"] and \
                names.first_actor(_lead(unit).text) is None:
            # A listing's entry naming no entity: the one above's is a guess (the entries of
            # a search page are each of their own entity).
            review = (f"the text names no entity{_unknown(unit, names)}; "
                      f"the import gave it {entity}, that of the entry above it on "
                      f"{page}:{unit.paras[0].line}: check `entity` and delete this line")
            surety = SURETY["guess"]
        _add_unit(work, page, stream, unit, (entity, partners, surety), review)
        previous = entity if review is None else previous
    headless = replace(stream, header=None, header_lines=(), entity_hint=None)
    for unit, actor in others:
        _add_unit(work, page, headless, unit, (actor, (), SURETY["text"]),
                  _lost_header(page, stream, actor))
    return previous


OPENING_WORDS = 8
"""Words of a paragraph's opening that name who acts in it ("The United Nations Development
Programme (UNDP) supported …", "ESCWA, in partnership with …")."""


def _under_header(stream: Stream, names: Names) -> list[tuple[Unit, str]]:
    """Return the entries under a dated header: the header's, then one for each later
    paragraph that names another entity as the one that acts and none of the header's (with
    that entity); a paragraph naming the header's entity after one of those is the
    header's again. A listing scraped without the headers of its later entries ("… | DPKO", then
    "UNDP implemented …", "ESCWA, in partnership with …") made one record of the header's
    entity holding the others' work."""
    assert stream.header is not None
    given = stream.header.entities or ((stream.entity_hint,) if stream.entity_hint else ())
    own = {names.lookup(name) or name for name in given}
    runs: list[tuple[list[Para], str]] = [([], "")]
    for para in stream.paras:
        # Named where a sentence names who acts, at its opening: "The project is funded by
        # the European Union through the Spotlight Initiative." is the entry's own.
        actor = names.opening_actor(para.text, OPENING_WORDS)
        names_own = bool(names.named(para.text) & own)
        if len(runs) > 1 and (actor in own or (actor is None and names_own)):
            runs[0][0].append(para)  # the header's entity's again, after another's
            continue
        if own and runs[-1][0] and actor is not None and actor not in own and \
                not names_own and not para.is_bullet and not goes_on(para):
            runs.append(([], actor))
        runs[-1][0].append(para)
    return [(one_entry(paras), actor) for paras, actor in runs]


def _lost_header(page: str, stream: Stream, actor: str) -> str:
    """Return the review note of an entry found under another entity's dated header."""
    assert stream.header is not None
    return (f"{page}:{stream.header_lines[0]} shows it under the dated header of "
            f"{'; '.join(stream.header.entities)} ({stream.header.period.label}), but it names "
            f"{actor} as the one that acts: the page may have lost its own header. Check "
            "`entity` and the period (none is given), then delete this line")


OPENING_ACRONYM = re.compile(r"(?:The |L['’]|El |La )?([A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]+)?)\b")
"""An acronym opening a paragraph, where its entity's name would stand ("ODA revised …")."""


def _unknown(unit: Unit, names: Names) -> str:
    """Return, for a review line, how the entry names no entity: with the acronym it opens
    with if the registry does not know it (an entity under another name: "ODA" for UNODA)."""
    match = OPENING_ACRONYM.match(_lead(unit).text)
    if match is None or names.lookup(match[1]) is not None:
        return " as the one that acts"
    return (f" the registry knows as the one that acts (it opens with “{match[1]}”: if that "
            "is an entity, add it to entities.yml, or as another's alias)")


def _entities(page: str, stream: Stream, unit: Unit, previous: str | None,
              names: Names) -> tuple[str | None, tuple[str, ...]]:
    """Return the lead entity and partners of an entry."""
    if stream.header and stream.header.entities:
        line = stream.header_lines[0]
        found = [names.resolve(n, page, line, "dated entry header")
                 for n in stream.header.entities]
        return found[0], tuple(dict.fromkeys(n for n in found[1:] if n != found[0]))
    if stream.entity_hint:
        return names.lookup(stream.entity_hint) or stream.entity_hint, ()
    named = names.first_actor(_lead(unit).text)
    return named or previous, ()


def _lead(unit: Unit) -> Para:
    """Return the entry's first paragraph of text, past a category line leading it
    ("Prevention, Including Awareness Raising"): the one that names the entity."""
    return next((p for p in unit.paras if not is_lead_line(p.text)), unit.paras[0])


def _add_unit(work: Assembly, page: str, stream: Stream, unit: Unit,
              found: tuple[str, tuple[str, ...], int], review: str | None) -> None:
    """Add one entry whose entity, partners and surety are ``found``: a new draft, or one
    more source of the draft it wholly repeats (which takes this entry's entity if it is
    surer: a search page's guess gives way to the entity's own page)."""
    entity, partners, surety = found
    first, last = unit.lines
    lines = (min(first, *stream.header_lines), last) if stream.header_lines else (first, last)
    period = stream.header.period if stream.header else None
    repeats = [_repeated(work, page, period, p.text) for p in unit.paras]
    if all(slot is not None for slot in repeats):
        number = _owner_of_all(work, [s for s in repeats if s is not None])
        kept = work.drafts[number]
        if kept.kind == "activity" and surety > kept.surety:
            kept.entity, kept.partners, kept.surety, kept.review = \
                entity, partners, surety, review
    else:
        number = len(work.drafts)
        work.drafts.append(Draft("activity", entity, partners, period,
                                 themes_of(_lead(unit).text, entity), review=review,
                                 surety=surety))
    work.drafts[number].sources.append((page, *lines))
    work.drafts[number].slots += _place(work, page, unit.paras, number)
    for merged in unit.merged:
        slot = work.index.find(merged.kept.text)
        owner = number if slot is None else work.owners[slot]
        work.dispositions.append(Disposition(page, merged.copy.line, merged.copy.text,
                                             owner, True))


def _place(work: Assembly, page: str, paras: Sequence[Para], number: int) -> list[int]:
    """Keep each new paragraph for draft ``number``; note repeats; return the new slots."""
    slots = []
    for para in paras:
        slot = work.index.find(para.text)
        shared = slot
        if slot is not None and _also_this_entrys(work, slot, page, para.text, number):
            slot = None
        if slot is None:
            slot = work.index.add(para.text)
            if shared is not None:
                work.also.setdefault(shared, []).append(slot)
            work.owners[slot] = number
            work.pages[slot] = page
            slots.append(slot)
            work.dispositions.append(Disposition(page, para.line, para.text, number, False))
        else:
            work.index.improve(slot, para.text)
            work.dispositions.append(Disposition(page, para.line, para.text,
                                                 work.owners[slot], True))
    return slots


def _owner_of_all(work: Assembly, slots: Sequence[int]) -> int:
    """Return the draft that holds every one of ``slots`` (a paragraph several entries
    share is held by each), else the one holding most of them, else the first's."""
    holders = [{work.owners[s], *(work.owners[a] for a in work.also.get(s, ()))}
               for s in slots]
    common = set.intersection(*holders)
    if common:
        return min(common)
    counts = Counter(owner for held in holders for owner in held)
    return max(counts, key=lambda owner: (counts[owner], -owner))


def _repeated(work: Assembly, page: str, period: Period | None, text: str) -> int | None:
    """Return the slot of the kept paragraph ``text`` repeats, if any: not one an entry of
    this page dated otherwise holds (two entries of a page are two, however their words
    begin: "…in Uganda." under 2016 and "…in Uganda. In 2018 it also…" under 2017 made one
    record of the 2016 period holding the 2017 text)."""
    slot = work.index.find(text)
    return None if slot is not None and _dated_otherwise(work, slot, page, period) else slot


def _dated_otherwise(work: Assembly, slot: int, page: str, period: Period | None) -> bool:
    """Whether ``slot`` belongs to an entry of ``page`` dated otherwise than ``period`` (both
    dated: an undated paragraph repeating a dated entry's is its teaser, as a node page's
    Abstract is)."""
    owner = work.drafts[work.owners[slot]]
    return work.pages[slot] == page and owner.kind == "activity" and \
        None not in (owner.period, period) and owner.period != period


def _also_this_entrys(work: Assembly, slot: int, page: str, text: str, number: int) -> bool:
    """Whether the paragraph in ``slot`` is this entry's as well as another's: the same
    words under two entries of one page ("The project is funded by the European Union…")
    belong to both, and so do words beginning alike under two entries of the page dated
    apart; a page repeats an entry's paragraphs only inside that entry (View More, undone
    before) or as a whole entry again (a copy)."""
    owner = work.owners[slot]
    if owner == number or work.pages[slot] != page or work.drafts[owner].kind != "activity":
        return False
    return fold(work.index.texts[slot]) == fold(text) or \
        _dated_otherwise(work, slot, page, work.drafts[number].period)
