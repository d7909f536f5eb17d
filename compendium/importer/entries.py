"""Group a stream's paragraphs into entries, folding each "View More" teaser into its full text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compendium.importer.dedupe import fold, fuller, same_folded
from compendium.importer.layout import Para, is_lead_line


@dataclass(frozen=True, slots=True)
class Merged:
    """A paragraph read twice: where the copy stood, and which version was kept."""

    copy: Para
    """The copy that was dropped."""
    kept: Para
    """The version kept (the fuller one)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """One entry as the page shows it: its kept paragraphs and the copies folded into them."""

    paras: tuple[Para, ...]
    """Kept paragraphs, in page order."""
    merged: tuple[Merged, ...] = ()
    """Teasers and repeats folded into the kept paragraphs."""

    @property
    def lines(self) -> tuple[int, int]:
        """Return the first and last page line the entry occupies, copies included."""
        numbers = [p.line for p in self.paras] + [m.copy.line for m in self.merged]
        return min(numbers), max(numbers)


def group_entries(paras: Sequence[Para]) -> list[Unit]:
    """Split undated paragraphs into entries: each "View More" unit, then each lone paragraph.

    Linear in the number of paragraphs: a teaser run is looked for only back to the last
    unit and forward to the next marker, and only from a paragraph the first full one
    repeats."""
    units: list[Unit] = []
    taken = [False] * len(paras)
    folded = [fold(p.text) for p in paras]
    markers = [i for i, p in enumerate(paras) if p.after_marker]
    floor = 0
    for n, marker in enumerate(markers):
        if marker < floor:
            continue
        limit = (markers[n + 1] if n + 1 < len(markers) else len(paras)) - marker
        teaser = _teaser_length(folded, marker, floor, limit)
        full = _full_length(paras, marker, teaser)
        units.append(_fold_teaser(paras[marker - teaser:marker], paras[marker:marker + full]))
        for i in range(marker - teaser, marker + full):
            taken[i] = True
        floor = marker + full
    units += _lone_entries(paras, taken)
    return sorted(units, key=lambda u: u.lines)


def one_entry(paras: Sequence[Para]) -> Unit:
    """Return a dated entry's paragraphs as one unit, its own teasers folded in."""
    paras_merged: list[Para] = []
    merged: list[Merged] = []
    for unit in group_entries(paras):
        paras_merged += unit.paras
        merged += unit.merged
    paras_merged.sort(key=lambda p: p.line)
    return Unit(tuple(paras_merged), tuple(merged))


def _teaser_length(folded: Sequence[str], marker: int, floor: int, limit: int) -> int:
    """Return how many paragraphs before ``marker`` are teasers of those from ``marker`` on
    (``limit``: paragraphs from ``marker`` to the next marker). ``folded``: folded texts."""
    best = 0
    for size in range(1, min(marker - floor, limit) + 1):
        start = marker - size
        if not same_folded(folded[start], folded[marker]):
            continue
        if all(same_folded(folded[start + j], folded[marker + j]) for j in range(1, size)):
            best = size
    return best


def _full_length(paras: Sequence[Para], marker: int, teaser: int) -> int:
    """Return how many paragraphs from ``marker`` make the full text: the teaser's count,
    at least one, plus list items and glued paragraphs that follow it."""
    size = max(teaser, 1)
    while (marker + size < len(paras) and (paras[marker + size].is_bullet
                                          or paras[marker + size].glued)
           and not paras[marker + size].after_marker):
        size += 1
    return size


def _fold_teaser(teaser: Sequence[Para], full: Sequence[Para]) -> Unit:
    """Keep the fuller of each teaser/full pair (the full text on a tie)."""
    kept: list[Para] = list(full)
    merged: list[Merged] = []
    for j, copy in enumerate(teaser):
        best = fuller(full[j].text, copy.text)
        if best is full[j].text:
            merged.append(Merged(copy, full[j]))
        else:
            kept[j] = copy
            merged.append(Merged(full[j], copy))
    return Unit(tuple(kept), tuple(merged))


def _lone_entries(paras: Sequence[Para], taken: list[bool]) -> list[Unit]:
    """Make an entry of each paragraph no "View More" unit took, with the list items,
    glued paragraphs and paragraphs going on from it (GOES_ON) right after it."""
    units: list[list[Para]] = []
    previous_free = False
    for n, (para, is_taken) in enumerate(zip(paras, taken, strict=True)):
        if is_taken:
            previous_free = False
            continue
        if units and previous_free and (para.is_bullet or para.glued or _listed(paras, n)
                                        or _leads(units[-1], para) or goes_on(para)):
            units[-1].append(para)
        else:
            units.append([para])
        previous_free = True
    return [Unit(tuple(u)) for u in units]


GOES_ON = re.compile(
    r"(?:For (?:instance|example)|In addition|Additionally|Moreover|Furthermore|In particular"
    r"|As a result|Consequently|Similarly|Likewise|However|Nevertheless|In this (?:context|regard)"
    r"|To this end|Par exemple|En outre|De plus|Par ailleurs|En particulier|Cependant"
    r"|Por ejemplo|Además|Asimismo|Por otra parte|En particular|Sin embargo|Del mismo modo)"
    r"(?=[ ,])")
"""How a paragraph opens that goes on from the one above ("For instance, in Kyrgyzstan…"
under "UNODC provided training…"): a record of its own, it read out of context."""


def goes_on(para: Para) -> bool:
    """Whether ``para`` opens with words that go on from the paragraph above."""
    return GOES_ON.match(para.text) is not None


BARE_ADDRESS = re.compile(r"<?(?:https?://|www\.)\S+>?[,;.]?", re.IGNORECASE)
"""A web address, as a paragraph of addresses alone lists them (one a word)."""
INTRODUCING_WORDS = 8
"""Words of the longest line that introduces the addresses below it ("Available resources
on SEA :"): a longer one ending with a colon is an entry of its own."""


def _listed(paras: Sequence[Para], n: int) -> bool:
    """Whether ``paras[n]`` is listed under the entry above: web addresses alone (the links
    the site shows under an entry), or a line ending with a colon that introduces them
    ("Available resources on SEA :") or more list items after the entry's ("Other
    activities:"). None is an entry of its own."""
    text = paras[n].text
    if _addresses_alone(text):
        return True
    if not text.rstrip().endswith(":") or len(text.split()) > INTRODUCING_WORDS or \
            n + 1 >= len(paras):
        return False
    # Or a list going on: "Other activities:" between the entry's list items and more.
    return _addresses_alone(paras[n + 1].text) or (
        paras[n + 1].is_bullet and n > 0 and paras[n - 1].is_bullet)


def _addresses_alone(text: str) -> bool:
    """Return whether ``text`` is web addresses alone (word by word: no pattern over the
    whole line, which a line of 40 "www." took seconds to refuse)."""
    words = text.split()
    return bool(words) and all(BARE_ADDRESS.fullmatch(word) for word in words)


def _leads(unit: Sequence[Para], para: Para) -> bool:
    """Whether ``unit`` is one short line without a sentence's end (a category the site
    shows above an entry, such as "Data Collection") and ``para`` the entry it leads: the
    line then opens that entry rather than being a record of its own."""
    lead = unit[0]
    return (len(unit) == 1 and not lead.is_bullet and not para.after_marker
            and is_lead_line(lead.text) and not is_lead_line(para.text))
