"""Where the layout of a part can be taken up again, and the HTML that takes it up.

A page that opens with an element of its own (a record, a paragraph, a period's section:
any element with an id that starts at the top of the page, inside nothing but plain
blocks) is a checkpoint: what follows it depends on the text from that element on, on the
side of the page, and on the running heads carried into it; not on what came before. The
part can then be laid out again from there alone, in a document holding the text from
that element on (``resumed``), and its pages are those the whole part would have: the
test suite lays out parts both ways and compares every word's place.

In the resumed document, the elements the checkpoint's element sits in are fragments
continued from an earlier page, as WeasyPrint makes them (no top margin, padding or
border; no break before); the elements before it stay as empty hidden shells, so that
selectors counting siblings (``:first-child``, ``h2 + article``) match as in the part; the
top margins adjoining the page's top are discarded, as at an unforced page break. A first
page holding only the carried running heads is laid out before it and dropped, which also
gives the checkpoint's page its side.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from compendium.pdf.jobs import css_string

RESUMED_CSS = """
.pdf-gone { display: none !important; }
.pdf-continued { margin-top: 0 !important; padding-top: 0 !important;
  border-top-width: 0 !important; break-before: auto !important; }
.pdf-resumed, .pdf-resumed :first-child { margin-break: discard !important; }
.pdf-carried { break-after: page; }
"""
"""The rules a resumed document is laid out with besides the part's."""
PLAIN_DISPLAYS = (("block", "flow"), ("block", "flow", "list-item"))
"""The displays of the boxes a checkpoint's element may sit in: blocks, and list items
whose marker counts nothing (no tables, columns, flex or grid, numbered lists: their layout
depends on the siblings before)."""
UNCOUNTED_MARKERS = ("none", "disc", "circle", "square")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A page of a part from which its layout can be taken up again."""

    element: str | None
    """Id of the element the page opens with; None: the start of the part."""
    right: bool
    """Whether the page is a right-hand one."""
    strings: tuple[tuple[str, str], ...] = ()
    """The named strings (running heads) carried into the page, by name."""
    forced: bool = False
    """Whether the page opens after a forced break (the element's ``break-before``): the
    margins at its top are then kept, not discarded."""

    def to_json(self) -> dict[str, Any]:
        """Return the checkpoint as JSON-able values (the piece index keeps it)."""
        return {"element": self.element, "right": self.right,
                "strings": [list(pair) for pair in self.strings], "forced": self.forced}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Return the checkpoint ``to_json`` gave."""
        return cls(data["element"], bool(data["right"]),
                   tuple((str(name), str(value)) for name, value in data["strings"]),
                   bool(data.get("forced", False)))


START = Checkpoint(None, True)
"""The start of every part: a right-hand page (see parts.py)."""


@dataclass(frozen=True, slots=True)
class Opening:
    """The element a page opens with, where the layout can be taken up again."""

    element: str
    """Its id."""
    forced: bool
    """Whether a forced break (its ``break-before``) put it at the top of the page."""


FORCED_BREAKS = ("page", "left", "right", "recto", "verso")


def opening_element(page_box: Any, seen: set[int]) -> Opening | None:
    """Return the element page ``page_box`` opens with, if the page is a checkpoint.

    ``seen`` holds the elements (``id()`` of WeasyPrint's) of the pages before: the element
    the page opens with is the first one, going down from the root along first children,
    that none of them held."""
    box = page_box.children[0]
    while True:
        element = getattr(box, "element", None)
        if element is not None and id(element) not in seen \
                and element.tag not in ("html", "body"):
            name = element.get("id")
            if not name or not _plain(box):
                return None
            return Opening(str(name), box.style["break_before"] in FORCED_BREAKS)
        if box.element_tag not in ("html", "body") and not _plain(box):
            return None
        flow = [child for child in getattr(box, "children", ())
                if not child.is_absolutely_positioned() and not child.is_floated()]
        if not flow or isinstance(flow[0], str):
            return None
        box = flow[0]


def _plain(box: Any) -> bool:
    """Return whether ``box`` is a plain block in normal flow (not columns, list, table)."""
    style = box.style
    display = tuple(style["display"])
    if display not in PLAIN_DISPLAYS or style["column_count"] != "auto" or \
            style["column_width"] != "auto" or type(box).__name__ != "BlockBox":
        return False
    marker = style["list_style_type"]
    return "list-item" not in display or (isinstance(marker, str) and
                                          marker in UNCOUNTED_MARKERS)


def elements_on(page_box: Any) -> set[int]:
    """Return the elements (``id()``) page ``page_box`` holds a box of."""
    return {id(box.element) for box in page_box.descendants()
            if getattr(box, "element", None) is not None}


class PartSource:
    """A part's HTML, parsed once, from which resumed documents are cut."""

    def __init__(self, html: str) -> None:
        self.html = html
        self._offsets = {match.group(1): html.rfind("<", 0, match.start())
                         for match in _ID.finditer(html)}
        self._tree = lxml.html.document_fromstring(html)
        self._ids: list[str] = [str(element.get("id")) for element in self._tree.iter()
                                if isinstance(element.tag, str) and element.get("id")]
        counts = Counter(self._ids)
        # An id given twice (a template's mistake) names no checkpoint: which element would
        # the layout be taken up from?
        self._index = {name: n for n, name in enumerate(self._ids) if counts[name] == 1}
        self._head = html[:html.find("<body")]

    def offset(self, element: str | None) -> int:
        """Return where ``element`` (None: the part) starts in the HTML."""
        return 0 if element is None else self._offsets.get(element, 0)

    def after(self, element: str | None, size: int) -> str | None:
        """Return the first element with an id starting ``size`` characters or more after
        ``element``, or None if the part ends before."""
        start = self.offset(element)
        for name in self._ids[self._index[element] + 1 if element is not None else 0:]:
            if name in self._index and self._offsets.get(name, -1) >= start + size:
                return name
        return None

    def end_of(self, element: str | None) -> int:
        """Return where the text of ``element`` (None: the whole part) ends: where the next
        element with an id after it starts."""
        if element is None or element not in self._index:
            return len(self.html)
        inner = sum(1 for node in self._tree.get_element_by_id(element).iterdescendants()
                    if isinstance(node.tag, str) and node.get("id"))
        following = self._index[element] + inner + 1
        if following >= len(self._ids):
            return len(self.html)
        return self._offsets.get(self._ids[following], len(self.html))

    def text_hash(self, start: str | None, end: int) -> str:
        """Return a hash of the part's HTML from ``start``'s element to ``end``."""
        return hashlib.sha256(self.html[self.offset(start):end].encode()).hexdigest()

    def context(self, at: Checkpoint) -> str:
        """Return what, besides its text from ``at`` on, the layout from ``at`` depends on:
        the document's head, the elements ``at`` sits in and the tags of those before it at
        every level (see resumed), the running heads carried and the page's side."""
        shape = [self._head, repr(at.to_json())]
        if at.element is None:
            # Every part starts here, with the same head: the first id names the part, so
            # that each part's first pieces have an index of their own. (Shared, the parts
            # pushed each other's first piece out of the index's KEPT_VERSIONS: the annex's
            # was laid out again after every edit, in a window as long as the annex.)
            shape.append(self._ids[0] if self._ids else "")
        else:
            node = self._tree.get_element_by_id(at.element)
            while node.getparent() is not None and node.tag != "body":
                shape += [f"{sibling.tag}.{sibling.get('class', '')}"
                          for sibling in node.itersiblings(preceding=True)
                          if isinstance(sibling.tag, str)]
                node = node.getparent()
                shape.append(f"{node.tag}{sorted(node.attrib.items())}")
        return "\0".join(shape)

    def has(self, element: str) -> bool:
        """Return whether the part holds one element with id ``element`` (not two)."""
        return element in self._index


_ID = re.compile(r'\sid="([^"]+)"')
"""An element's id in the HTML: record text cannot hold a bare ``"`` (it is escaped)."""


def resumed(source: PartSource, at: Checkpoint, until: str | None) -> tuple[str, int]:
    """Return the document laying out ``source`` from ``at`` up to the element ``until``
    (excluded; None: to the end), and how many pages at its start are not the part's (the
    page of carried running heads)."""
    if at.element is None and until is None:
        return source.html, 0
    tree = lxml.html.document_fromstring(source.html)
    if until is not None:
        _hide_from(tree.get_element_by_id(until), following=True)
    if at.element is None:
        return _serialized(tree), 0
    target = tree.get_element_by_id(at.element)
    _hide_from(target, following=False)
    if not at.forced:  # an unforced break truncates the margins adjoining it; a forced one not
        _add_class(target, "pdf-resumed")
    for ancestor in target.iterancestors():
        if ancestor.tag in ("html", "body"):
            break
        _add_class(ancestor, "pdf-continued")
    carried = lxml.etree.Element("div")
    carried.set("class", "pdf-carried")
    if at.strings:
        carried.set("style", "string-set: " + ", ".join(
            f"{name} {css_string(value)}" for name, value in at.strings))
    tree.find("body").insert(0, carried)
    # The root's break gives the first page its side; the checkpoint's page is the next.
    tree.set("style", f"break-before: {'left' if at.right else 'right'}")
    return _serialized(tree), 1


def _serialized(tree: Any) -> str:
    return str(lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>"))


def _hide_from(element: Any, following: bool) -> None:
    """Turn the elements before ``element`` (or, if ``following``, itself and those after)
    into empty hidden shells, up to the body."""
    node = element
    if following:
        _shell(element)
    while node.getparent() is not None and node.tag != "body":
        parent = node.getparent()
        for sibling in list(node.itersiblings(preceding=not following)):
            if isinstance(sibling.tag, str):
                _shell(sibling)
            else:
                parent.remove(sibling)  # comments, processing instructions
        node = parent


def _shell(element: Any) -> None:
    """Empty ``element`` and hide it, keeping its tag and classes (for selectors)."""
    tail = element.tail
    classes = element.get("class", "")
    element.clear()
    element.tail = tail
    element.set("class", f"{classes} pdf-gone".strip())


def _add_class(element: Any, name: str) -> None:
    element.set("class", f"{element.get('class', '')} {name}".strip())
