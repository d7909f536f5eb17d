"""Mark, in safe HTML, the words hyphenation must leave whole: addresses, acronyms, proper
names, document symbols and number ranges.

The print stylesheet hyphenates running text (a narrow justified measure needs it), but a
hyphen inside "https://www.un-/odc.org", "UN-/HCR", "Spot-/light" or "17–/19" misleads the
reader: a printed address typed back is wrong, a name is no longer found. Each such token is
wrapped in an element the stylesheets set to ``hyphens: none`` (and ``white-space: nowrap``
for ranges); an address is cut into pieces after each ``/`` and ``.``, with a ``<wbr>``
between them, so a line may break there and nowhere else, without a hyphen.

Every pattern is linear in the text: no nested quantifiers, and names are looked up word by
word, not tried as one alternation at every letter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from compendium.memo import memoized

TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
"""Splits sanitized HTML into tags (odd items) and text (even items)."""
URL_PIECE = re.compile(r"[^/.]*[/.]+|[^/.]+")
"""A piece of an address up to and including its next run of "/" or "."."""
TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"]+)"
    r"|(?P<email>(?<![\w.+-])[\w.+-]+@\w[\w-]*(?:\.[\w-]+)+)"
    r"|(?P<symbol>(?<![\w/])[A-Z]{1,8}(?:/[A-Za-z0-9.-]*[A-Za-z0-9]){2,})"
    r"|(?P<range>(?<![\d.,])\d+(?:[.,]\d+)*\s?[–—-]\s?\d+(?:[.,]\d+)*)"
    r"|(?P<word>(?P<first>\w+)(?:['’-]\w+)*)")
"""The tokens worth a look, in one pass; the first alternative that matches at a place wins."""
WORD = re.compile(r"\w+")
TRAILING = ".,;:!?)]}’'\""
"""Punctuation that ends a sentence rather than an address."""
MAX_UNBROKEN = 24
"""Characters of the longest acronym, number range or piece of an address kept from
breaking: a longer one is no acronym, and a token of 100 digits kept whole ran off the page
(the PDF lost what passed its edge) and made the draft scroll sideways."""
UNBROKEN_ELEMENTS = frozenset({"a", "code", "pre", "abbr"})
"""Elements whose text is already kept whole (or is code): not marked again inside."""


class NameIndex:
    """Proper names to keep whole, by their first word, longest first in each group.

    Hashed by identity: name_index gives the same object for the same names, so the articles
    remembered by it (html.record_html) survive from one build of a preview to the next."""

    __slots__ = ("by_first_word",)

    def __init__(self, names: Iterable[str]) -> None:
        groups: dict[str, list[str]] = {}
        for name in set(names):
            first = re.match(r"\w+", name)
            if first is not None:
                groups.setdefault(first.group(), []).append(name)
        self.by_first_word = {word: tuple(sorted(found, key=len, reverse=True))
                              for word, found in groups.items()}
        """First word → the names starting with it, longest first."""


@memoized(limit=16)
def name_index(names: tuple[str, ...]) -> NameIndex:
    """Return the index of ``names`` (the same object for the same names)."""
    return NameIndex(names)


NO_NAMES = NameIndex(())


def is_acronym(word: str) -> bool:
    """Return whether ``word`` is an acronym or a word in capitals (UNHCR, BiH, COVID-19)."""
    return sum(1 for c in word if c.isupper()) >= 2


def mark_html(fragment: str, names: NameIndex = NO_NAMES) -> str:
    """Return sanitized HTML with its unbreakable tokens marked (see the module docstring).

    Text inside links, code and existing marks is left as it is, except that a link whose
    text is an address gets its break points."""
    index = names.by_first_word
    pieces = TAG_OR_TEXT.split(fragment)
    open_inert: list[str] = []
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            _track(piece, open_inert)
            out.append(piece)
        elif not piece:
            continue
        elif open_inert:
            out.append(break_address(piece) if _is_address(piece) and open_inert[-1] == "a"
                       else piece)
        elif i + 1 < len(pieces) and pieces[i + 1] in BLOCK_ENDS:
            out.append(LAST_WORD.sub(_keep_whole, mark_text(piece, index), count=1))
        else:
            out.append(mark_text(piece, index))
    return "".join(out)


BLOCK_ENDS = frozenset({"</p>", "</li>"})
LAST_WORD = re.compile(r"(?<![\w>&;/-])([^\W\d_]{6,})(?=[.,;:!?)\]”’\"'…]*\s*$)")
"""A paragraph's last word, long enough to be hyphenated: a hyphen there leaves a
fragment ("port.") alone on the paragraph's last line."""


def _keep_whole(word: re.Match[str]) -> str:
    return f'<span class="last-word">{word.group()}</span>'


def _track(tag: str, open_inert: list[str]) -> None:
    """Keep the stack of open elements whose text is not to be marked."""
    name = re.match(r"</?([A-Za-z][A-Za-z0-9]*)", tag)
    if name is None or name.group(1).lower() not in UNBROKEN_ELEMENTS or tag.endswith("/>"):
        return
    if tag.startswith("</"):
        if open_inert:
            open_inert.pop()
    else:
        open_inert.append(name.group(1).lower())


def _is_address(text: str) -> bool:
    """Return whether a link's text is an address (it then needs break points)."""
    plain = html.unescape(text).strip()
    return bool(re.fullmatch(r"(?:https?://|www\.|mailto:)\S+|[\w.+-]+@\S+", plain))


CAPITALISED = r"[A-ZÀ-Þ][a-zß-ÿ]+(?:[’'-][A-ZÀ-Þa-zß-ÿ][a-zß-ÿ]*)*(?![^\W_])"
"""A word in title case ("Coordinator", "Gender-Based"): not an acronym ("UNHCR",
"COVID-19"), which is marked as one."""
NEXT_CAPITALISED = (r"(?:(?: (?:of|for|and|the|on|against|to|in|de|des|du|la|le|et|y|del))"
                    rf"{{0,2}} {CAPITALISED})")
"""The next title-case word of a name, after at most two small words ("… for the …")."""
CAPITALISED_RUN = re.compile(rf"{CAPITALISED}{NEXT_CAPITALISED}+")
"""Capitalised words in a row, small words between them ("Resident Coordinator", "Standard
Minimum Rules for the Treatment of Prisoners"): the name of a body, a fund, an instrument,
which the registry does not know; hyphenated ("Resident Coordina-tor", "UN Foun-dation"),
it no longer reads as the name (the designer's second review)."""
CAPITALISED_AFTER = re.compile(rf"{CAPITALISED}{NEXT_CAPITALISED}*")
"""Capitalised words after an acronym ("UN Foundation", "UN Principles")."""


def _capitalised_run(text: str, start: int, index: dict[str, tuple[str, ...]]) -> int | None:
    """Return where a run of capitalised words starting at ``start`` ends, before any word
    that opens a registry name (marked as that name: "The Spotlight Initiative" is "The"
    and the Initiative's name); None when no run of two such words starts there."""
    run = CAPITALISED_RUN.match(text, start)
    if run is None:
        return None
    capitalised = 0
    end = start
    for word in re.finditer(r"\S+", run.group()):
        if word.group()[0].isupper():
            if capitalised and WORD.match(word.group())[0] in index:  # type: ignore[index]
                break
            capitalised += 1
            end = start + word.end()
    return end if capitalised >= 2 else None


def mark_text(text: str, index: dict[str, tuple[str, ...]]) -> str:
    """Return escaped HTML text with its unbreakable tokens wrapped."""
    out: list[str] = []
    done = 0
    position = 0
    while (token := TOKEN.search(text, position)) is not None:
        if token.lastgroup == "word" and token["first"] not in index and \
                (token["word"].islower() or not (is_acronym(token["word"]) or
                                                  token["word"][0].isupper())):
            # Most words: no name starts with them, no acronym, no capital. Passed over
            # here, without a call each, marking a 1,000-record book takes half the time.
            position = token.end()
            continue
        start, end, wrapped = _wrap(token, text, index)
        out.append(text[done:start])
        out.append(wrapped)
        done = position = end
    out.append(text[done:])
    return "".join(out)


def _wrap(token: re.Match[str], text: str,
          index: dict[str, tuple[str, ...]]) -> tuple[int, int, str]:
    """Return where the token's marked span starts and ends, and the span itself."""
    start, end = token.span()
    kind = token.lastgroup
    if kind in ("url", "email"):
        end = start + len(token.group().rstrip(TRAILING))
        return start, end, f'<span class="url">{break_address(text[start:end])}</span>'
    if kind == "symbol" and end - start <= MAX_UNBROKEN:
        # A United Nations document symbol (A/RES/70/176, E/CN.6/2020/3) is cited whole:
        # cut after "A/", it reads as a word and a path.
        return start, end, f'<span class="nobreak">{text[start:end]}</span>'
    if kind == "range" and end - start <= MAX_UNBROKEN:
        return start, end, f'<span class="nobreak">{text[start:end]}</span>'
    name = _name_at(text, start, index)
    if name:
        return start, start + len(name), f'<span class="name">{name}</span>'
    word = token.group()
    run = _capitalised_run(text, start, index) if word[0].isupper() else None
    if run is not None:
        return start, run, f'<span class="name">{text[start:run]}</span>'

    named = CAPITALISED_AFTER.match(text, end + 1) if text[end:end + 1] == " " else None
    if is_acronym(word) and named is not None:
        # "UN Foundation", "UN Principles": the acronym opens a name the registry lacks.
        return start, named.end(), f'<span class="name">{text[start:named.end()]}</span>'
    if is_acronym(word) and len(word) <= MAX_UNBROKEN:
        return start, end, f"<abbr>{word}</abbr>"
    return start, end, word


def _name_at(text: str, start: int, index: dict[str, tuple[str, ...]]) -> str:
    """Return the longest registry name that starts at ``start`` as whole words, or ""."""
    first = WORD.match(text, start)
    if first is None:
        return ""
    for name in index.get(first.group(), ()):
        stop = start + len(name)
        if text.startswith(name, start) and not (stop < len(text) and
                                                  (text[stop].isalnum() or text[stop] == "_")):
            return name
    return ""


def break_address(text: str) -> str:
    """Return an address cut after each "/" and "." into pieces that do not break inside,
    with a break opportunity (no hyphen) between them."""
    pieces = URL_PIECE.findall(text)
    return "<wbr>".join(f'<span class="nowrap">{p}</span>' if len(p) <= MAX_UNBROKEN else p
                        for p in pieces)


def registry_names(entity_names: Iterable[str], countries: Iterable[str]) -> NameIndex:
    """Return the names to keep whole: entities' names, acronyms and aliases, country names,
    and each capitalised word of those names ("the Initiative" is the Spotlight Initiative,
    "the Organization" IOM)."""
    names = {n for n in (*entity_names, *countries) if n.strip()}
    words = {w for n in names for w in re.findall(r"\w+", n) if len(w) >= 4 and w[0].isupper()}
    return name_index(tuple(sorted(names | words)))
