"""Slim WeasyPrint's tag tree: content goes straight into the element it belongs to.

WeasyPrint 70 wraps every run of text in a /Span element, and nests them as the boxes nest
(a paragraph with a link holds spans in spans); an inline box of no known role becomes a
/NonStruct, which ISO 32000-1 §14.8.4.2 defines as grouping only ("its children are
treated as if they were directly children of the parent"). Such an element with nothing
but its content (no language, alternate or actual text, attributes or id) tells an
assistive technology nothing that its parent does not: PDF/UA lets marked content sit in a
paragraph directly. Plain spans were 173,000 of the 416,000 objects of a 10,000-record
compendium, and qpdf holds every object of the joined file in memory until it writes it
(see joining.py): about 2.4 KB each. For the same reason an object reference (/OBJR, one
per link) is written inside its element rather than as an object of its own: the parent
tree points at the element, never at the reference, so nothing else needs its number.
"""

from __future__ import annotations

from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

PLAIN_KEYS = frozenset({"/Type", "/S", "/P", "/K", "/Pg"})
"""What a grouping element may hold and still say nothing of its own."""

GROUPING = frozenset({Name.Span, Name.NonStruct})
"""The roles that only group their content: a plain one gives it to its parent."""


def collapse_spans(pdf: pikepdf.Pdf) -> int:
    """Move the content of each plain /Span or /NonStruct into its parent element, and put
    each object reference inside its element; return how many elements went.

    Marked-content ids keep their page (an /MCR names it where the parent's page differs),
    and the parent tree maps each id to its new element."""
    if "/StructTreeRoot" not in pdf.Root:
        return 0
    root = pdf.Root.StructTreeRoot
    moved: dict[tuple[int, int], Dictionary] = {}
    for element in _kids(root):
        if _is_element(element):
            _collapse_below(element, moved)
    if moved:
        _remap_parent_tree(root, moved)
    return len(moved)


def _collapse_below(element: Dictionary, moved: dict[tuple[int, int], Dictionary]) -> None:
    """Collapse the plain spans below ``element`` (deepest first) into their parents."""
    kids: list[Any] = []
    changed = False
    for kid in _kids(element):
        if _is_element(kid):
            _collapse_below(kid, moved)
            if _is_plain_grouping(kid):
                kids += [_lifted(item, kid, element) for item in _kids(kid)]
                moved[kid.objgen] = element
                changed = True
                continue
        elif _is_object_reference(kid) and kid.is_indirect:
            kid = Dictionary({key: value for key, value in kid.items()})
            changed = True
        kids.append(kid)
    if changed:
        element.K = Array(kids)


def _lifted(item: Any, span: Dictionary, parent: Dictionary) -> Any:
    """Return ``item`` of ``span``'s content as ``parent`` holds it."""
    if _is_element(item):
        item.P = parent
        return item
    if isinstance(item, int):  # a marked-content id on the span's page
        if "/Pg" in parent and parent.Pg.objgen == span.Pg.objgen:
            return item
        return Dictionary(Type=Name.MCR, Pg=span.Pg, MCID=item)
    return item  # a marked-content or object reference, which names its page


def _remap_parent_tree(root: pikepdf.Object, moved: dict[tuple[int, int], Dictionary]) -> None:
    """Point the parent tree's entries for collapsed spans at the elements now holding them."""
    def final(element: Any) -> Any:
        while isinstance(element, Dictionary) and element.is_indirect and \
                element.objgen in moved:
            element = moved[element.objgen]
        return element

    nums = root.ParentTree.Nums
    for index in range(1, len(nums), 2):
        value = nums[index]
        if isinstance(value, Array):
            for position, element in enumerate(value):
                if isinstance(element, Dictionary):
                    value[position] = final(element)
        else:
            nums[index] = final(value)


def _kids(element: pikepdf.Object) -> list[Any]:
    """Return the /K of ``element`` as a list (it may be one item, or absent)."""
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _is_element(item: Any) -> bool:
    """Return whether ``item`` is a structure element (not content or a reference)."""
    return isinstance(item, Dictionary) and item.get("/Type", Name.StructElem) == \
        Name.StructElem and "/S" in item


def _is_object_reference(item: Any) -> bool:
    """Return whether ``item`` is an object reference (an /OBJR: a link's annotation)."""
    return isinstance(item, Dictionary) and item.get("/Type") == Name.OBJR


def _is_plain_grouping(element: Dictionary) -> bool:
    """Return whether ``element`` is a /Span or /NonStruct with only its content, on one
    known page."""
    if element.get("/S") not in GROUPING or not element.is_indirect or \
            not set(element.keys()) <= PLAIN_KEYS:
        return False
    # Bare ids need the span's page to be named in their new place.
    return "/Pg" in element or not any(isinstance(k, int) for k in _kids(element))


def mark_margins_as_artifacts(document: Any, pdf: Any) -> None:
    """Turn running heads, page numbers and draft stamps into /Artifact marked content.

    WeasyPrint 70 tags the text of page-margin boxes as /Span with an MCID whose structure
    element is left out of the tree (artifacts in the tree are PDF 2.0 only). PDF/UA-1 wants
    such pagination text marked as an artifact instead: this finds every MCID whose element
    the tree does not reach, marks it /Artifact in the page's content, and unmaps it."""
    def obj(reference: Any) -> Any:
        text = reference.decode() if isinstance(reference, bytes) else str(reference)
        return pdf.objects[int(text.split()[0])]

    if "StructTreeRoot" not in pdf.catalog:
        return
    root = obj(pdf.catalog["StructTreeRoot"])
    reachable: set[int] = set()
    stack = list(root["K"])
    while stack:
        reference = stack.pop()
        if not isinstance(reference, bytes | str):
            continue  # an MCID, not an element
        element = obj(reference)
        if element.number in reachable:
            continue
        reachable.add(element.number)
        stack.extend(element.get("K", ()))
    nums = obj(root["ParentTree"])["Nums"]
    pages = [obj(reference) for reference in pdf.page_references]
    for key, mapping in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(mapping, list) or key >= len(pages):
            continue  # an annotation's entry, not a page's MCID list
        orphans = {mcid for mcid, reference in enumerate(mapping)
                   if obj(reference).number not in reachable}
        if orphans:
            _mark_artifacts(obj(pages[key]["Contents"]).stream, orphans)
            for mcid in orphans:
                mapping[mcid] = "null"


def _mark_artifacts(operations: list[Any], mcids: set[int]) -> None:
    """Replace ``/Span <</MCID n>> BDC`` by ``/Artifact BMC`` for each n in ``mcids``."""
    marked: list[Any] = []
    i = 0
    while i < len(operations):
        properties = operations[i + 1] if i + 1 < len(operations) else None
        if isinstance(properties, dict) and properties.get("MCID") in mcids and \
                i + 2 < len(operations) and operations[i + 2] == b"BDC":
            marked += ["/Artifact", b"BMC"]
            i += 3
        else:
            marked.append(operations[i])
            i += 1
    operations[:] = marked
