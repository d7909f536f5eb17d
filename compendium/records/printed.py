"""Whether every word of a record's text is printed: Markdown drops some text without a word
(a link definition no text uses, a footnote never cited or defined twice, a table cell past
its header's, a code fence's label), and the editor must hear of it before the book does."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from compendium.memo import memoized
from compendium.model import Problem
from compendium.records.sources import RecordFile

WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits (an underscore is emphasis as often as part of a name)."""

# What the Markdown writes that is not meant to print, taken out of the text before its
# words are counted: each is printed otherwise (a link's address in its href) or not at all.
LINK_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:", re.M)
"""A link reference definition's label (`[1]: https://…`): its address and title print in
the links that use it, its label never."""
FOOTNOTE_LABEL = re.compile(r"\[\^[^\]\n]*\]:?")
"""A footnote's label, at its call and its definition: printed as a number."""
LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
"""A link's or image's address and title (printed in its href, or warned of when unsafe)."""
REFERENCE_LABEL = re.compile(r"\]\[[^\]\n]*\]")
"""The label of a link by reference (`[text][ref]`)."""
SPAN_ATTRIBUTES = re.compile(r"\]\{[^}\n]*\}")
"""A passage's attributes (`[texte]{lang=fr}`)."""
LIST_MARKER = re.compile(r"^[ \t>]*\d{1,9}[.)](?=\s|$)", re.M)
"""An ordered list's number: the list numbers its items itself."""
FENCE_LANGUAGE = re.compile(r"^([ \t>]*(?:`{3,}|~{3,}))[ \t]*[^\W_][\w+#.-]*[ \t]*$", re.M)
"""A code fence's one-word label (its language): a label of several words is text lost."""

SHOWN_ATTRIBUTE = re.compile(r'\s(?:href|title|alt)="([^"]*)"')
TAG = re.compile(r"<[^>]*>")
IMAGE = re.compile(r'<img\b(?:[^>]*?\salt="(?P<alt>[^"]*)")?[^>]*>')
FOOTNOTE_CALL = re.compile(r'<sup class="footnote-ref">.*?</sup>')


def unprinted_problems(files: Iterable[RecordFile],
                       bodies: Mapping[str, str]) -> tuple[Problem, ...]:
    """Return a problem for each line of a record's text with words its rendered HTML
    (``bodies``, by record id) prints nowhere."""
    found = []
    for file in files:
        record_id = str(file.front.values.get("id", "-"))
        if record_id not in bodies:
            continue
        for line, words in lost_words(file.body, bodies[record_id]):
            shown = ", ".join(f"`{w}`" for w in words[:6]) + (" …" if len(words) > 6 else "")
            found.append(Problem(
                str(file.path), file.body_line + line, record_id, "body",
                f"{shown} would print nowhere; Markdown drops a link definition no text "
                "uses, a footnote never cited or defined twice, a table cell past its "
                "header's, the words after a code fence's opening; expected every word "
                "of the text to print (write it as text)"))
    return tuple(found)


@memoized(limit=65_536)
def lost_words(body: str, rendered: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Return (line from 0, words) for each line of ``body`` with words that ``rendered``
    (its HTML) does not print (remembered: the preview asks after every edit).

    A word counts as printed while the HTML prints it as often as the text has it; the
    missing ones are blamed first on the lines whose words the HTML does not print in a
    row ("Second definition" printed, "First definition" not: the first is the lost one)."""
    lines = _printable(body).split("\n")
    printed = _words(_printed(rendered))
    missing = Counter(w for line in lines for w in _words(line)) - Counter(printed)
    if not missing:
        return ()
    shown = f" {' '.join(printed)} "
    broken = [n for n, line in enumerate(lines)
              if _words(line) and f" {' '.join(_words(line))} " not in shown]
    lost: dict[int, list[str]] = {}
    for number in [*broken, *range(len(lines))]:
        for word in WORD.findall(lines[number]):
            if missing[word.casefold()] > 0:
                missing[word.casefold()] -= 1
                lost.setdefault(number, []).append(word)
    return tuple((n, tuple(words)) for n, words in sorted(lost.items()))


def _printable(body: str) -> str:
    """Return ``body`` without the Markdown that is not meant to print (line for line)."""
    text = LINK_DEFINITION.sub("", body)
    text = FOOTNOTE_LABEL.sub("", text)
    text = LINK_TARGET.sub("]", text)
    text = REFERENCE_LABEL.sub("]", text)
    text = SPAN_ATTRIBUTES.sub("]", text)
    text = LIST_MARKER.sub("", text)
    text = FENCE_LANGUAGE.sub(r"\1", text)
    return html.unescape(text)


def _printed(rendered: str) -> str:
    """Return the text ``rendered`` shows, in its order (an image by its description, a
    footnote's call left out: neither is in the line as written), then its links'
    addresses and titles. A tag parts words ("foo<em>bar</em>" is two, as written)."""
    shown = " ".join(value for value in SHOWN_ATTRIBUTE.findall(rendered)
                     if not value.startswith("data:"))
    text = FOOTNOTE_CALL.sub(" ", rendered)
    text = IMAGE.sub(lambda image: f" {image['alt'] or ''} ", text)
    return html.unescape(TAG.sub(" ", text) + " " + shown)


def _words(text: str) -> list[str]:
    """Return the words of ``text``, case folded."""
    return [w.casefold() for w in WORD.findall(text)]
