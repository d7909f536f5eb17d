"""Whether every word of a record's text is printed: Markdown drops some text without a word
(a link definition no text uses, a footnote never cited or defined twice, a table cell past
its header's, a code fence's label, a link's title), and the editor must hear of it before
the book does."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from compendium.memo import memoized
from compendium.model import Problem
from compendium.records.sources import RecordFile

WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits (an underscore is emphasis as often as part of a name)."""

# What the Markdown writes that is not meant to print is taken out of a line before its
# words are counted; an address is counted apart, as printed where the book has it (a
# link's href, printed after the link in the PDF), never where it only hides lost text.
QUOTED = r"(?:[ \t]*>)*"
LINK_DEFINITION = re.compile(
    rf"^{QUOTED}[ \t]{{0,3}}\[(?!\^)(?:\\.|[^\]\\\n])+\]:[ \t]*(?P<address><[^>\n]*>|\S*)")
"""A link reference definition (`[1]: https://…`, in a quotation too): its label never
prints, its address does where a link uses it."""
FOOTNOTE_LABEL = re.compile(r"\[\^[^\]\n]*\]:?")
"""A footnote's label, at its call and its definition: printed as a number."""
LINK_TARGET = re.compile(r"\]\([ \t]*(?P<address><[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)")
"""A link's or image's address, in its brackets (the title after it is text: no book
prints it)."""
REFERENCE_LABEL = re.compile(r"\]\[[^\]\n]*\]")
"""The label of a link by reference (`[text][ref]`)."""
LANGUAGE = re.compile(r"(?<=\]\{)[^}\n]*\}")
"""A passage's attributes (`[texte]{lang=fr}`): its language does not print; any other
attribute is dropped with its words."""
LIST_MARKER = re.compile(r"^(?:[ \t]*>)*[ \t]*\d{1,9}[.)](?=\s|$)")
"""An ordered list's number: the list numbers its items itself."""
FENCE_LANGUAGE = re.compile(r"^((?:[ \t]*>)*[ \t]*(?:`{3,}|~{3,}))[ \t]*[a-z][a-z0-9+#.-]*[ \t]*$")
"""A code fence's label naming its language (one word, lower case): any other label is
text lost."""
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
"""Code, whose character references print as written."""
REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
"""A character reference as CommonMark reads one: closed by ";" ("&region=" is text)."""

HREF = re.compile(r'\shref="([^"]*)"')
TAG = re.compile(r"<[^>]*>")
IMAGE = re.compile(r'<img\b(?:[^>]*?\salt="(?P<alt>[^"]*)")?[^>]*>')
FOOTNOTE_CALL = re.compile(r'<sup class="footnote-ref">.*?</sup>')

WHY = (
    (re.compile(rf"^{QUOTED}[ \t]{{0,3}}\[\^"), "a footnote never cited, or defined twice"),
    (LINK_DEFINITION, "a link definition no text uses"),
    (re.compile(r"^[ \t]*\|"), "a table cell past its header's"),
    (re.compile(r"^[ \t>]*(?:`{3,}|~{3,})"), "the words after a code fence's opening"),
    (re.compile(r"\]\{"), "a passage's attribute other than its language (lang=…)"),
    (re.compile(r"\]\([^)\n]*[\"']"), "a link's title (no edition prints it)"),
)
"""What a line that loses words most likely holds, for the editor."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a record's text, as its words should print."""

    text: tuple[str, ...]
    """Words of its text, in order."""
    addresses: tuple[str, ...]
    """Words of the addresses of its links and link definitions."""


def unprinted_problems(files: Iterable[RecordFile],
                       bodies: Mapping[str, str]) -> tuple[Problem, ...]:
    """Return a problem for each line of a record's text with words its rendered HTML
    (``bodies``, by record id) prints nowhere."""
    found = []
    for file in files:
        record_id = str(file.front.values.get("id", "-"))
        if record_id not in bodies:
            continue
        lines = file.body.split("\n")
        for number, words in lost_words(file.body, bodies[record_id]):
            shown = ", ".join(f"`{w}`" for w in words[:6]) + (" …" if len(words) > 6 else "")
            why = next((reason for pattern, reason in WHY if pattern.search(lines[number])),
                       "Markdown drops it")
            found.append(Problem(
                str(file.path), file.body_line + number, record_id, "body",
                f"{shown} would print nowhere ({why}); expected every word of the text to "
                "print (write it as text)"))
    return tuple(found)


@memoized(limit=65_536)
def lost_words(body: str, rendered: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Return (line from 0, words) for each line of ``body`` with words that ``rendered``
    (its HTML) does not print (remembered: the preview asks after every edit).

    A word counts as printed while the HTML prints it as often as the text has it; the
    missing ones are blamed first on the lines whose words the HTML does not print in a
    row ("Second definition" printed, "First definition" not: the first is the lost one).
    An address's words may print in the HTML's text or its links' addresses; the text's,
    in its text only (a lost cell "violence against children" hid behind an address
    holding those words)."""
    lines = [_line(text) for text in body.split("\n")]
    text, addresses = _printed(rendered)
    missing = Counter(w for line in lines for w in line.text) - Counter(text)
    missing_addresses = Counter(w for line in lines for w in line.addresses) - \
        Counter(addresses) - Counter(text)
    if not missing and not missing_addresses:
        return ()
    shown = f" {' '.join(text)} "
    broken = [n for n, line in enumerate(lines)
              if line.text and f" {' '.join(line.text)} " not in shown]
    lost: dict[int, list[str]] = {}
    for number in [*broken, *range(len(lines))]:
        for words, counts in ((lines[number].text, missing),
                              (lines[number].addresses, missing_addresses)):
            for word in words:
                if counts[word] > 0:
                    counts[word] -= 1
                    lost.setdefault(number, []).append(_as_written(body, number, word))
    return tuple((n, tuple(words)) for n, words in sorted(lost.items()))


def _line(text: str) -> Line:
    """Return the words ``text`` (one line of Markdown) should print, and its addresses'."""
    addresses: list[str] = []

    def address(found: re.Match[str]) -> str:
        addresses.append(found["address"].strip("<>"))
        return ""

    text = LINK_DEFINITION.sub(address, text)
    # A link's own address is its href: printed, or made inert with a warning (unsafe).
    text = LINK_TARGET.sub("]", text)
    text = FOOTNOTE_LABEL.sub("", text)
    text = REFERENCE_LABEL.sub("]", text)
    text = LANGUAGE.sub(lambda found: re.sub(r"\blang=\S+", "", found.group()), text)
    text = LIST_MARKER.sub("", text)
    text = FENCE_LANGUAGE.sub(r"\1", text)
    return Line(tuple(_words(_read_references(text))),
                tuple(w for a in addresses for w in _words(_read_references(unquote(a)))))


def _read_references(text: str) -> str:
    """Return ``text`` with its character references read, but in code."""
    out, done = [], 0
    for span in CODE_SPAN.finditer(text) if "`" in text else ():
        out += [_read(text[done:span.start()]), span.group()]
        done = span.end()
    return "".join([*out, _read(text[done:])])


def _read(text: str) -> str:
    """Return ``text`` with its character references read."""
    return REFERENCE.sub(lambda found: html.unescape(found.group()), text) \
        if "&" in text else text


def _printed(rendered: str) -> tuple[list[str], list[str]]:
    """Return the words ``rendered`` shows, in its order (an image by its description, a
    footnote's call left out: neither is in the line as written), and its links'
    addresses' words. A tag parts words ("foo<em>bar</em>" is two, as written)."""
    hrefs = " ".join(unquote(html.unescape(h)) for h in HREF.findall(rendered)
                     if not h.startswith("data:"))
    text = FOOTNOTE_CALL.sub(" ", rendered)
    text = IMAGE.sub(lambda image: f" {image['alt'] or ''} ", text)
    return _words(html.unescape(TAG.sub(" ", text))), _words(hrefs)


def _words(text: str) -> list[str]:
    """Return the words of ``text``, case folded."""
    return [w.casefold() for w in WORD.findall(text)]


def _as_written(body: str, number: int, word: str) -> str:
    """Return ``word`` (case folded) as line ``number`` of ``body`` writes it."""
    return next((w for w in WORD.findall(body.split("\n")[number]) if w.casefold() == word),
                word)
